import assert from 'node:assert/strict';
import { getPolicyProfile, type PolicyProfileName } from '../../runtime/policy/profiles';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { ofCurrentRevision, recordHistory } from '../support/record-history';
import { until } from '../support/until';

/**
 * Every profile against the real gateway, with the stand-in scripted to fail: the attempts, the
 * delays between them (Temporal's retry policy, as the profile defines it, or the provider's
 * Retry-After), the final state and the rows. The cases run concurrently: the slowest
 * (long_running: 10 s of backoff, then its fallback) sets the wall time.
 *
 * The gateway retries a provider 5xx, 429 or dropped stream once by itself, so one scripted
 * failure per attempt is not enough to fail it: `status:503:99` fails every attempt.
 * `auth` is not scripted here: after a 401/403 the gateway disables that provider's key for about a
 * minute, which would fail the other suites sharing this gateway; the gateway suite covers it last.
 */
type Provider = 'gemini' | 'claude' | 'openai';
interface Case {
  name: string;
  profile: PolicyProfileName;
  scenario: string;
  /** Expected attempt rows as [status, errorClass, provider the attempt was sent to]. */
  attempts: [string, string | null, Provider][];
  /** Expected gap before each attempt after the first, in ms; null: the profile's backoff for that attempt of its round. */
  gapsMs?: (number | null)[];
  final: { command: string; deadLetter: string | null };
  /** Saved for the replay suite under this name (RECORD_HISTORIES=1). */
  history?: string;
}

const failedOn = (p: Provider, cls: string): [string, string, Provider] => ['failed', cls, p];
const succeededOn = (p: Provider): [string, null, Provider] => ['succeeded', null, p];

const CASES: Case[] = [
  {
    name: 'standard_async: provider_unavailable everywhere -> Gemini twice, Claude twice (fallback at once), dead-lettered at its threshold of 4',
    profile: 'standard_async',
    scenario: 'status:503:99',
    attempts: [failedOn('gemini', 'provider_unavailable'), failedOn('gemini', 'provider_unavailable'), failedOn('claude', 'provider_unavailable'), failedOn('claude', 'provider_unavailable')],
    gapsMs: [null, 0, null],
    final: { command: 'dead_lettered', deadLetter: 'parked' },
  },
  {
    name: 'standard_async: the Gemini stand-in down -> Claude used after 2 Gemini attempts, and the attempt rows say so',
    profile: 'standard_async',
    scenario: 'status:503:99@gemini',
    attempts: [failedOn('gemini', 'provider_unavailable'), failedOn('gemini', 'provider_unavailable'), succeededOn('claude')],
    gapsMs: [null, 0],
    final: { command: 'succeeded', deadLetter: null },
    history: ofCurrentRevision('agent-command-provider-fallback'),
  },
  {
    name: 'critical_sync: Gemini and Claude down -> one attempt each (its fallback threshold is 1), then OpenAI succeeds',
    profile: 'critical_sync',
    scenario: 'status:503:99@gemini+status:503:99@claude',
    attempts: [failedOn('gemini', 'provider_unavailable'), failedOn('claude', 'provider_unavailable'), succeededOn('openai')],
    gapsMs: [0, 0],
    final: { command: 'succeeded', deadLetter: null },
  },
  {
    name: 'standard_async: a stream dropped twice -> timeout, retried on the same provider after 2 s, succeeds',
    profile: 'standard_async',
    scenario: 'drop:2',
    attempts: [failedOn('gemini', 'timeout'), succeededOn('gemini')],
    final: { command: 'succeeded', deadLetter: null },
  },
  {
    name: 'best_effort (no fallback): rate_limited -> the next attempt waits the provider Retry-After (3 s), not the profile 5 s',
    profile: 'best_effort',
    scenario: 'status:429:2:3',
    attempts: [failedOn('gemini', 'rate_limited'), succeededOn('gemini')],
    gapsMs: [3000],
    final: { command: 'succeeded', deadLetter: null },
  },
  {
    name: 'critical_sync: invalid_input -> no retry and no fallback, parked at once',
    profile: 'critical_sync',
    scenario: 'status:400:99',
    attempts: [failedOn('gemini', 'invalid_input')],
    final: { command: 'dead_lettered', deadLetter: 'parked' },
  },
  {
    name: 'best_effort: provider_unavailable twice -> failed and recorded, no dead letter, no fallback, backoff 5 s',
    profile: 'best_effort',
    scenario: 'status:503:99',
    attempts: [failedOn('gemini', 'provider_unavailable'), failedOn('gemini', 'provider_unavailable')],
    final: { command: 'failed', deadLetter: null },
  },
  {
    name: 'best_effort: invalid_output -> failed at once, no dead letter',
    profile: 'best_effort',
    scenario: 'badjson',
    attempts: [failedOn('gemini', 'invalid_output')],
    final: { command: 'failed', deadLetter: null },
  },
  {
    name: 'long_running: provider_unavailable 3 times -> Gemini twice (backoff 10 s), Claude once, dead-lettered',
    profile: 'long_running',
    scenario: 'status:503:99',
    attempts: [failedOn('gemini', 'provider_unavailable'), failedOn('gemini', 'provider_unavailable'), failedOn('claude', 'provider_unavailable')],
    gapsMs: [null, 0],
    final: { command: 'dead_lettered', deadLetter: 'parked' },
  },
];

/** Temporal's backoff before attempt n+1 (n >= 1) of a round. */
function backoffMs(profile: PolicyProfileName, n: number): number {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = getPolicyProfile(profile).retry;
  return Math.min(initialIntervalMs * backoffCoefficient ** (n - 1), maximumIntervalMs);
}

async function runCase(h: RuntimeHarness, c: Case): Promise<void> {
  const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
    json: { agentFamily: 'research', action: 'investigate', input: { question: c.name, scenario: c.scenario }, policyProfile: c.profile },
  });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const { commandId } = submitted.body as { commandId: string };
  const command = await until(
    `${c.profile} ${c.scenario} settled`,
    () => h.prisma.runtimeCommand.findFirst({ where: { id: commandId, status: { in: ['succeeded', 'failed', 'dead_lettered'] } } }),
    120_000,
  );
  const where = `${c.name} (${commandId})`;
  assert.equal(command.status, c.final.command, where);
  assert.equal(command.policyProfile, c.profile, where);
  const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
  const rows = JSON.stringify(attempts.map((a) => [a.status, a.errorClass, a.provider, a.errorMessage?.slice(0, 120)]));
  assert.equal(command.attemptCount, c.attempts.length, `${where}: ${rows}`);
  assert.deepEqual(attempts.map((a) => [a.status, a.errorClass, a.provider?.replace(/-standin$/, '')]), c.attempts, where);
  for (const a of attempts) {
    assert.ok(a.finishedAt && a.durationMs !== null && a.durationMs >= 0, `${where}: attempt ${a.attemptNumber} has a duration`);
    if (a.status === 'failed') assert.ok(a.errorMessage && a.errorMessage.length > 0, `${where}: attempt ${a.attemptNumber} has a message`);
    else assert.ok(a.tokensIn > 0 && a.tokensOut > 0 && a.provider && a.model, `${where}: the successful attempt has usage`);
  }
  let inRound = 0;
  for (let i = 1; i < attempts.length; i++) {
    // A fallback starts a new round on the next model: no pause, and its own backoff restarts.
    const fellBack = attempts[i]!.provider !== attempts[i - 1]!.provider;
    inRound = fellBack ? 0 : inRound + 1;
    const expected = c.gapsMs?.[i - 1] ?? backoffMs(c.profile, inRound);
    const gap = attempts[i]!.startedAt.getTime() - attempts[i - 1]!.finishedAt!.getTime();
    // Lower bound: Temporal never retries early (jitter-free policies); upper: CPU slack on 2 cores.
    assert.ok(gap >= expected * 0.9 - 150 && gap < expected + 5000, `${where}: gap before attempt ${i + 1} is ${gap} ms, expected about ${expected} ms`);
  }

  const deadLetter = await h.prisma.runtimeDeadLetter.findUnique({ where: { commandId } });
  assert.equal(deadLetter?.status ?? null, c.final.deadLetter, where);
  if (deadLetter) {
    assert.equal(deadLetter.attempts, c.attempts.length, where);
    assert.equal(deadLetter.errorClass, c.attempts.at(-1)![1], where);
  }
  if (c.final.command === 'failed') assert.equal(command.errorClass, c.attempts.at(-1)![1], where);
  const log = await h.prisma.agentExecutionLog.findFirst({ where: { commandId } });
  if (c.final.command !== 'dead_lettered') assert.ok(log, `${where}: an execution log row`);
  if (c.history) recordHistory(h, command.workflowId, c.history);
}

describe('policy profiles against the real gateway (each profile, scripted failure classes)', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('every case gives the expected attempts, delays, final state and rows', async () => {
    const results = await Promise.allSettled(CASES.map((c) => runCase(h, c)));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${CASES[i]!.name}: ${(r.reason as Error).message}`] : []));
    assert.deepEqual(failures, []);
  });
});
