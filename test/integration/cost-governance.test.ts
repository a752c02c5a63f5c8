import assert from 'node:assert/strict';
import { DEFAULT_PROMPT_OVERHEAD_TOKENS, priceFor, worstCaseCostUsd } from '../../runtime/pricing';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { SseClient } from '../support/sse-client';
import { until } from '../support/until';

/** The family these cases set caps on (through its agent_configurations row); the row is removed after. */
const FAMILY = 'content';

async function submitAndSettle(h: RuntimeHarness, input: Record<string, unknown>) {
  const submitted = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: FAMILY, action: 'draft', input } });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const { commandId } = submitted.body as { commandId: string };
  const command = await until(
    `command ${commandId} settled`,
    () => h.prisma.runtimeCommand.findFirst({ where: { id: commandId, status: { in: ['succeeded', 'failed', 'dead_lettered'] } } }),
    60_000,
  );
  const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
  return { commandId, command, attempts };
}

describe('cost governance: priced attempts, worst case checked against the cap before the gateway', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  afterEach(() => h.prisma.agentConfiguration.deleteMany({ where: { name: FAMILY } }));

  it('the default prompt overhead covers what the gateway really sends with a message', async () => {
    const { command, attempts } = await submitAndSettle(h, { brief: 'How big is the prompt the gateway sends?' });
    assert.equal(command.status, 'succeeded');
    const tokensIn = attempts[0]!.tokensIn;
    console.log(`      prompt tokens of one attempt through the pinned gateway: ${tokensIn} (RUNTIME_PROMPT_OVERHEAD_TOKENS default ${DEFAULT_PROMPT_OVERHEAD_TOKENS})`);
    assert.ok(tokensIn > 0 && tokensIn < DEFAULT_PROMPT_OVERHEAD_TOKENS, `${tokensIn} prompt tokens must stay below the default overhead`);
    // The recorded cost is the price table applied to the recorded tokens, and within the worst case.
    const price = priceFor(attempts[0]!.provider, attempts[0]!.model);
    assert.ok(Number(attempts[0]!.costUsd) <= worstCaseCostUsd(price, DEFAULT_PROMPT_OVERHEAD_TOKENS));
    assert.equal(Number(command.costUsd), Number(attempts[0]!.costUsd));
  });

  it('a cap below the worst case of the next attempt stops with budget_exceeded before any model call', async () => {
    await h.prisma.agentConfiguration.create({ data: { name: FAMILY, agentFamily: FAMILY, action: 'draft', policyOverrides: { costCapUsd: 0.01 } } });
    const events = await SseClient.open(`${h.apiUrl}/admin/runtime/events?agentFamily=${FAMILY}`);
    try {
      const { commandId, command, attempts } = await submitAndSettle(h, { brief: 'Too dear to run' });
      assert.equal(command.status, 'dead_lettered');
      assert.deepEqual(attempts.map((a) => [a.status, a.errorClass, Number(a.costUsd)]), [['failed', 'budget_exceeded', 0]]);
      assert.match(attempts[0]!.errorMessage!, /worst case of [\d.]+ USD .* past its cap of 0\.01 USD/);
      assert.equal(h.standin.callsFor(commandId).length, 0, 'the gateway was never asked');
      assert.equal(Number(command.costUsd), 0, 'the cap is never crossed');
      const deadLetter = await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } });
      assert.equal(deadLetter.errorClass, 'budget_exceeded');

      await until('budget.breached event', () => events.eventsFor(commandId).some((e) => e.type === 'command.dead_lettered'));
      const breached = events.eventsFor(commandId).find((e) => e.type === 'budget.breached');
      assert.ok(breached, 'a budget.breached event');
      assert.equal(breached.data.capUsd, 0.01);
      assert.equal(breached.data.spentUsd, 0);
      assert.ok((breached.data.worstCaseUsd as number) > 0.01);
    } finally {
      await events.close();
    }
  });
});
