/**
 * The model catalog as data, without a gateway: every model ref the registry names is configured
 * in the gateway (scripts/gateway/launch.ts) and priced (runtime/pricing.ts); stand-in scenarios
 * parse as documented and pass the command input schema.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_FAMILIES } from '../../runtime/agents/registry';
import { PRICE_TABLE, priceFor } from '../../runtime/pricing';
import { registryPrimaryModels, RUNTIME_PROVIDER_RETRY, standinProviders, writeGatewayConfig } from '../../scripts/gateway/launch';
import { parseScenarioSpec } from '../../scripts/provider-standin/server';

describe('gateway model catalog and stand-in scenarios (no gateway)', () => {
  const providers = standinProviders('http://127.0.0.1:1');
  const configured = new Set(providers.flatMap((p) => p.models.map((m) => `${p.id}/${m.id}`)));

  it('configures three stand-in providers on their own base paths', () => {
    assert.deepEqual(
      providers.map((p) => [p.id, p.baseUrl]),
      [
        ['gemini-standin', 'http://127.0.0.1:1/gemini/v1'],
        ['claude-standin', 'http://127.0.0.1:1/claude/v1'],
        ['openai-standin', 'http://127.0.0.1:1/openai/v1'],
      ],
    );
  });

  it('every family model ref (Gemini, then Claude, then OpenAI) is configured and priced', () => {
    for (const f of Object.values(AGENT_FAMILIES)) {
      const chain = [f.defaultModels.primary, ...f.defaultModels.fallbacks];
      assert.deepEqual(chain.map((r) => r.split('/')[0]), ['gemini-standin', 'claude-standin', 'openai-standin'], f.family);
      for (const ref of chain) {
        assert.ok(configured.has(ref), `${ref} is not configured in the gateway`);
        assert.ok(PRICE_TABLE[ref], `${ref} has no price`);
        const [p, m] = ref.split('/');
        assert.equal(priceFor(p ?? null, m ?? null), PRICE_TABLE[ref]);
      }
    }
    for (const p of providers) for (const m of p.models) assert.equal(m.cost.input, PRICE_TABLE[`${p.id}/${m.id}`]!.inputPerMillion);
  });

  it('writes strict agents (no fallbacks) on the registry primaries, and the short provider retry', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'si-gw-config-'));
    try {
      const agentIds = Object.values(AGENT_FAMILIES).map((f) => f.gatewayAgentId);
      const file = await writeGatewayConfig({ stateDir: dir, port: 1, token: 'x'.repeat(16), providers, agentIds, agentPrimaryModels: registryPrimaryModels() });
      const text = await fs.readFile(file, 'utf8');
      assert.ok(!text.includes('x'.repeat(16)), 'the token is not written');
      const cfg = JSON.parse(text) as {
        models: { providers: Record<string, { timeoutSeconds: number }> };
        agents: { entries: Record<string, { model: { primary: string; fallbacks: string[] } }> };
      };
      assert.deepEqual(Object.keys(cfg.models.providers), ['gemini-standin', 'claude-standin', 'openai-standin']);
      for (const f of Object.values(AGENT_FAMILIES)) {
        assert.deepEqual(cfg.agents.entries[f.gatewayAgentId]!.model, { primary: f.defaultModels.primary, fallbacks: [] });
        const settings = JSON.parse(await fs.readFile(path.join(dir, 'agents', f.gatewayAgentId, 'agent', 'settings.json'), 'utf8')) as { retry: { provider: unknown } };
        assert.deepEqual(settings.retry.provider, RUNTIME_PROVIDER_RETRY);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('parses scenario specs: per-provider entries, first applicable wins', () => {
    const [a, b] = parseScenarioSpec('status:503:9@gemini+slow:500');
    assert.deepEqual(a, { text: 'status:503:9', provider: 'gemini', scenario: { kind: 'status', code: 503, times: 9, retryAfterS: null } });
    assert.deepEqual(b, { text: 'slow:500', provider: null, scenario: { kind: 'slow', ms: 500 } });
    assert.deepEqual(parseScenarioSpec('status:429:2:7@claude-standin')[0]!.provider, 'claude');
    assert.deepEqual(parseScenarioSpec('usage:10:2')[0]!.scenario, { kind: 'usage', input: 10, output: 2 });
    assert.deepEqual(parseScenarioSpec('drop')[0]!.scenario, { kind: 'drop', times: Infinity });
    assert.deepEqual(parseScenarioSpec('drop:1')[0]!.scenario, { kind: 'drop', times: 1 });
    for (const k of ['hang', 'badjson']) assert.equal(parseScenarioSpec(k)[0]!.scenario.kind, k);
  });

  it('the command input schema accepts every documented scenario', () => {
    const schema = AGENT_FAMILIES.research.inputSchema;
    for (const s of ['ok', 'status:429:2:7', 'status:503:9@gemini', 'slow:500', 'hang', 'drop', 'drop:1', 'usage:100:20', 'badjson', 'status:503@gemini+status:429:1@claude']) {
      assert.ok(schema.safeParse({ question: 'q', scenario: s }).success, s);
    }
    assert.ok(!schema.safeParse({ question: 'q', scenario: 'status 503' }).success);
  });
});
