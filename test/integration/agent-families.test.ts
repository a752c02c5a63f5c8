import assert from 'node:assert/strict';
import { AGENT_FAMILIES, AGENT_FAMILY_NAMES, agentOutputSchema, type AgentFamily } from '../../runtime/agents/registry';
import { priceFor } from '../../runtime/pricing';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { workflowResult } from '../support/workflow-result';

/** One valid input per family: the contract every family's registry entry must keep. */
const VALID_INPUT: Record<AgentFamily, Record<string, unknown>> = {
  market_insight: { market: 'heat pumps', region: 'DACH' },
  research: { question: 'Who buys heat pumps?', depth: 'brief' },
  content: { brief: 'A launch note for the heat pump report', audience: 'installers' },
  trend_watch: { keywords: ['heat pumps', 'solar'] },
};

/** Contract per agent family through the runtime and the real gateway: valid input in, schema-valid output and usage out. */
describe('agent families: contract through the real gateway', function () {
  this.timeout(240_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('covers every registered family', () => {
    assert.deepEqual(Object.keys(VALID_INPUT).sort(), [...AGENT_FAMILY_NAMES].sort());
  });

  // Concurrently: each gateway agent's first run costs 5-13 s of agent set-up.
  it('every family, every action: schema-valid output, its primary model, usage and cost recorded', async () => {
    const runs = AGENT_FAMILY_NAMES.flatMap((family) => AGENT_FAMILIES[family].actions.map((action) => ({ family, action })));
    await Promise.all(
      runs.map(async ({ family, action }) => {
        const where = `${family}.${action}`;
        const submitted = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: family, action, input: VALID_INPUT[family] } });
        assert.equal(submitted.status, 202, `${where}: ${JSON.stringify(submitted.body)}`);
        const result = await workflowResult(h, submitted.body.workflowId);
        assert.equal(result.status, 'succeeded', where);
        assert.ok(agentOutputSchema.safeParse(result.output).success, `${where}: output fits the family schema`);

        const [attempt] = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId: submitted.body.commandId } });
        const [provider, model] = AGENT_FAMILIES[family].defaultModels.primary.split('/') as [string, string];
        assert.equal(attempt!.provider, provider, where);
        assert.equal(attempt!.model, model, where);
        assert.ok(attempt!.tokensIn > 0 && attempt!.tokensOut > 0, `${where}: tokens recorded`);
        const price = priceFor(provider, model);
        const expected = (attempt!.tokensIn * price.inputPerMillion + attempt!.tokensOut * price.outputPerMillion) / 1_000_000;
        assert.ok(Math.abs(Number(attempt!.costUsd) - expected) < 1e-5, `${where}: cost ${attempt!.costUsd} from the price table (${expected})`);
        const calls = h.standin.callsFor(submitted.body.commandId);
        assert.equal(calls.length, 1, `${where}: one model call`);
        assert.equal(calls[0]!.promptTokens, attempt!.tokensIn, `${where}: tokens are the provider's`);
      }),
    );
  });
});
