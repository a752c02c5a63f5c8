import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../runtime/config/load';
import { compareParity, compareResults, fieldProblem, type ExecutionResult, type ParityPair } from '../../shadow/parity';
import { DEFAULT_PARITY_RULES, paritySettingsFrom, type ParitySettings } from '../../shadow/rules';

const settings: ParitySettings = {
  threshold: 0.75,
  rules: { '*': { summary: 'present', findings: 'present' }, market_insight: { summary: 'present', 'scores.total': { abs: 2 }, 'scores.share': { rel: 0.1 }, region: 'exact' } },
  latencyToleranceMs: 1000,
  costToleranceUsd: 0.01,
};

const result = (over: Partial<ExecutionResult> = {}): ExecutionResult => ({
  agentFamily: 'research',
  action: 'investigate',
  status: 'succeeded',
  output: { summary: 'Installers and landlords', findings: ['a'] },
  latencyMs: 2000,
  costUsd: 0.02,
  ...over,
});
const pair = (key: string, legacy?: ExecutionResult, runtime?: ExecutionResult, extra: Partial<ParityPair> = {}): ParityPair => ({
  correlationKey: key,
  agentFamily: (runtime ?? legacy)?.agentFamily ?? 'research',
  ...(legacy ? { legacy } : {}),
  ...(runtime ? { runtime } : {}),
  ...extra,
});

describe('shadow parity comparator (pure)', () => {
  it('matches a pair whose text differs when the rule only asks the fields to be present', () => {
    assert.deepEqual(compareResults(result(), result({ output: { summary: 'Landlords first', findings: [] } }), settings), []);
  });

  it('names status, field, latency and cost mismatches', () => {
    const status = compareResults(result(), result({ status: 'failed' }), settings);
    assert.deepEqual(status.map((r) => r.kind), ['status'], 'a status mismatch says nothing more');
    const legacyOk = compareResults(result({ status: 'success' }), result(), settings);
    assert.deepEqual(legacyOk, [], "the legacy executor's 'success' is the runtime's 'succeeded'");
    const reasons = compareResults(result(), result({ output: { summary: 'x' }, latencyMs: 3500, costUsd: 0.0451 }), settings);
    assert.deepEqual(reasons.map((r) => `${r.kind}${r.field ? `:${r.field}` : ''}`), ['field:findings', 'latency', 'cost']);
    assert.match(reasons[0]!.detail, /findings \(present\): missing on runtime/);
    assert.match(reasons[1]!.detail, /delta 1500 beyond tolerance 1000/);
  });

  it('keeps latency and cost within tolerance, at the boundary too, and skips them when a side did not record them', () => {
    assert.deepEqual(compareResults(result(), result({ latencyMs: 3000, costUsd: 0.03 }), settings), []);
    assert.deepEqual(compareResults(result({ latencyMs: null, costUsd: null }), result({ latencyMs: 999_999, costUsd: 5 }), settings), []);
  });

  it('applies exact and numeric abs/rel rules per family, the family entry replacing *', () => {
    const market = (scores: unknown, region = 'DACH') => result({ agentFamily: 'market_insight', action: 'scan', output: { summary: 's', scores, region } });
    assert.deepEqual(compareResults(market({ total: 10, share: 0.5 }), market({ total: 12, share: 0.54 }), settings), []);
    const off = compareResults(market({ total: 10, share: 0.5 }), market({ total: 12.5, share: 0.6 }, 'EU'), settings);
    assert.deepEqual(off.map((r) => r.field), ['scores.total', 'scores.share', 'region']);
    // findings is a * rule: market_insight's own entry does not ask for it.
    assert.ok(!off.some((r) => r.field === 'findings'));
    assert.equal(fieldProblem({ abs: 1 }, '3', 3), 'not a number on both sides');
    assert.equal(fieldProblem({}, 3, 3), undefined);
    assert.match(fieldProblem({}, 3, 3.1) ?? '', /no tolerance set/);
    assert.equal(fieldProblem('exact', { a: 1, b: [1] }, { b: [1], a: 1 }), undefined, 'key order does not matter');
    assert.equal(fieldProblem('exact', undefined, null), undefined, 'absent on both sides is equal');
    assert.match(fieldProblem('present', null, undefined) ?? '', /missing on legacy and runtime/);
  });

  it('counts missing sides and pending commands, ignores a pair with neither side, and computes the rate per family', () => {
    const report = compareParity(
      [
        pair('r1', result(), result()),
        pair('r2', result(), result()),
        pair('r3', result(), result()),
        pair('r4', result(), result({ status: 'failed' })),
        pair('r5', undefined, result()),
        pair('r6', result(), undefined),
        pair('r7', result(), undefined, { runtimePending: true }),
        pair('nothing', undefined, undefined),
        pair('c1', result({ agentFamily: 'content', action: 'draft' }), result({ agentFamily: 'content', action: 'draft' })),
      ],
      settings,
    );
    const research = report.families.find((f) => f.agentFamily === 'research')!;
    assert.deepEqual(
      { compared: research.compared, matched: research.matched, mismatched: research.mismatched, missingLegacy: research.missingLegacy, missingRuntime: research.missingRuntime, pending: research.pending },
      { compared: 6, matched: 3, mismatched: 1, missingLegacy: 1, missingRuntime: 1, pending: 1 },
    );
    assert.equal(research.parityRate, 0.5);
    assert.deepEqual(research.mismatches.map((m) => m.correlationKey), ['r4']);
    assert.deepEqual(research.missingLegacyKeys, ['r5']);
    assert.deepEqual(research.missingRuntimeKeys, ['r6']);
    assert.equal(research.ok, false);
    assert.equal(report.families.find((f) => f.agentFamily === 'content')!.parityRate, 1);
    assert.equal(report.ok, false, 'one family below the threshold fails the gate');
    assert.equal(report.totals.compared, 7);
    assert.equal(report.totals.matched, 4);
  });

  it('passes at exactly the threshold, fails just below, and passes with nothing compared', () => {
    const four = (matched: number) => [0, 1, 2, 3].map((i) => pair(`k${i}`, result(), result(i < matched ? {} : { status: 'failed' })));
    assert.equal(compareParity(four(3), settings).ok, true, '3/4 = 0.75 reaches 0.75');
    assert.equal(compareParity(four(2), settings).ok, false);
    const empty = compareParity([pair('p', undefined, undefined, { runtimePending: true })], settings);
    assert.equal(empty.ok, true);
    assert.equal(empty.families[0]!.parityRate, null);
    assert.equal(compareParity([], settings).families.length, 0);
  });
});

describe('shadow parity configuration', () => {
  it('has defaults: threshold 0.95, summary/findings present, 5 s and 1 cent tolerances', () => {
    const s = paritySettingsFrom(parseConfig({}));
    assert.deepEqual(s, { threshold: 0.95, rules: DEFAULT_PARITY_RULES, latencyToleranceMs: 5000, costToleranceUsd: 0.01 });
  });

  it('parses rules JSON and decimal tolerances', () => {
    const s = paritySettingsFrom(
      parseConfig({ RUNTIME_SHADOW_PARITY_THRESHOLD: '0.9', RUNTIME_SHADOW_COST_TOLERANCE_USD: '0.005', RUNTIME_SHADOW_PARITY_RULES: '{"research": {"summary": "exact", "score": {"rel": 0.05}}}' }),
    );
    assert.equal(s.threshold, 0.9);
    assert.equal(s.costToleranceUsd, 0.005);
    assert.deepEqual(s.rules, { research: { summary: 'exact', score: { rel: 0.05 } } });
  });

  it('stops on a bad value naming the key, the value and what is allowed', () => {
    const bad = (env: Record<string, string>, pattern: RegExp) =>
      assert.throws(() => parseConfig(env), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
    bad({ RUNTIME_SHADOW_PARITY_THRESHOLD: '1.5' }, /RUNTIME_SHADOW_PARITY_THRESHOLD="1\.5": above 1; allowed: number 0\.\.1/);
    bad({ RUNTIME_SHADOW_PARITY_THRESHOLD: 'most' }, /RUNTIME_SHADOW_PARITY_THRESHOLD="most": expected a decimal number/);
    bad({ RUNTIME_SHADOW_LATENCY_TOLERANCE_MS: '-1' }, /RUNTIME_SHADOW_LATENCY_TOLERANCE_MS="-1": below 0; allowed: integer 0\.\.3600000/);
    bad({ RUNTIME_SHADOW_PARITY_RULES: '{"research": {"summary": "roughly"}}' }, /RUNTIME_SHADOW_PARITY_RULES=.*allowed: JSON object/);
    bad({ RUNTIME_SHADOW_PARITY_RULES: 'not json' }, /RUNTIME_SHADOW_PARITY_RULES="not json": expected JSON/);
  });
});
