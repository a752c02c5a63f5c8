import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { ofCurrentRevision, recordHistory } from '../support/record-history';
import { until } from '../support/until';
import { workflowResult } from '../support/workflow-result';
import { SEARCH_ATTRIBUTES } from '../../runtime/search-attributes';

const ADMIN = { 'X-Actor': 'alice@startinsight' };

/** Submits a command scripted to fail, and waits until it is parked as a dead letter. */
async function deadLetter(h: RuntimeHarness, scenario: string, extra: Record<string, unknown> = {}) {
  const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
    json: { agentFamily: 'research', action: 'investigate', input: { question: 'Why did it fail?', scenario }, ...extra },
  });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const { commandId, workflowId } = submitted.body as { commandId: string; workflowId: string };
  await until('dead letter parked', () => h.prisma.runtimeDeadLetter.findFirst({ where: { commandId, status: 'parked' } }));
  return { commandId, workflowId };
}

function waitForCommand(h: RuntimeHarness, commandId: string, status: string) {
  return until(`command ${status}`, () => h.prisma.runtimeCommand.findFirst({ where: { id: commandId, status: status as never } }));
}

describe('dead letters and replay', function () {
  this.timeout(240_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('parks an exhausted command, findable in Temporal by RuntimeStatus="DeadLettered", and replays it by a UI-style signal', async () => {
    const { commandId, workflowId } = await deadLetter(h, 'status:400:99');
    const dl = await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } });
    assert.equal(dl.errorClass, 'invalid_input');
    assert.equal(dl.attempts, 1);
    const cmd = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } });
    assert.equal(cmd.status, 'dead_lettered');

    // The query the README gives admins for the Temporal UI.
    await until('visible in Temporal', async () => {
      for await (const wf of h.client.workflow.list({ query: `RuntimeStatus="DeadLettered" AND CommandId="${commandId}"` })) return wf;
      return undefined;
    });

    // Exactly what the Temporal UI's "Send a Signal" dialog sends: signal name + one JSON object.
    await h.client.workflow.getHandle(workflowId).signal('replay', { actor: 'bob (Temporal UI)', reason: 'provider fixed', inputPatch: { scenario: 'ok' } });
    const result = await workflowResult(h, workflowId);
    assert.equal(result.status, 'succeeded');

    const after = await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } });
    assert.equal(after.status, 'replayed');
    assert.equal(after.replayCount, 1);
    const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
    assert.deepEqual(attempts.map((a) => [a.attemptNumber, a.status, a.errorClass]), [[1, 'failed', 'invalid_input'], [2, 'succeeded', null]]);
    const audit = await h.prisma.runtimeAdminAudit.findMany({ where: { targetId: commandId }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(audit.map((a) => [a.actor, a.action, a.outcome]), [['bob (Temporal UI)', 'dead_letter.replay', 'completed']]);
    const shown = await request(h.apiUrl, 'GET', `/admin/runtime/dead-letters/${commandId}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.attemptHistory.length, 2);
    assert.equal((await request(h.apiUrl, 'GET', `/v1/commands/${commandId}`)).body.status, 'succeeded');
    // It said DeadLettered, then Running: the end is marked too, though a plain success isn't.
    const described = await h.client.workflow.getHandle(workflowId).describe();
    assert.equal(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.RuntimeStatus), 'Succeeded');
    recordHistory(h, workflowId, ofCurrentRevision('agent-command-dead-letter-replayed'));
  });

  it('executes a replay id once when it arrives twice through the API and through a signal at the same time', async () => {
    const { commandId, workflowId } = await deadLetter(h, 'status:400:1');
    const replayId = `once-${commandId}`;
    const body = { replayId, reason: 'raced' };
    const [a, b] = await Promise.all([
      request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, { json: body, headers: ADMIN }),
      request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, { json: body, headers: ADMIN }),
      h.client.workflow.getHandle(workflowId).signal('replay', { replayId, actor: 'carol (Temporal UI)', reason: 'raced' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 202], JSON.stringify([a.body, b.body]));
    await workflowResult(h, workflowId);
    const attempts = await h.prisma.runtimeCommandAttempt.count({ where: { commandId } });
    assert.equal(attempts, 2, 'one failed attempt, one re-execution');
    assert.equal(h.standin.callsFor(commandId).length, 2);
    // A second replay of a replayed dead letter answers 409 with the current state.
    const late = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, { json: { reason: 'again' }, headers: ADMIN });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.status, 'replayed');
  });

  it('replays with edited input, uses it and records it', async () => {
    const { commandId, workflowId } = await deadLetter(h, 'status:400:99');
    const answer = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, {
      json: { reason: 'rephrased', inputPatch: { question: 'Rephrased question', scenario: 'ok' } },
      headers: ADMIN,
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    await workflowResult(h, workflowId);
    const cmd = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } });
    assert.equal(cmd.status, 'succeeded');
    assert.equal((cmd.input as { question: string }).question, 'Rephrased question');
    const calls = h.standin.callsFor(commandId);
    assert.equal(calls.at(-1)!.scenario, 'ok');
    const accepted = await h.prisma.runtimeAdminAudit.findFirstOrThrow({ where: { targetId: commandId, action: 'dead_letter.replay' } });
    assert.deepEqual((accepted.details as { inputPatch: unknown }).inputPatch, { question: 'Rephrased question', scenario: 'ok' });
    const bad = await deadLetter(h, 'status:400:99');
    const invalid = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${bad.commandId}/replay`, { json: { reason: 'x', inputPatch: { question: 42 } }, headers: ADMIN });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.fields[0].path, 'inputPatch.question');
  });

  it('discards a dead letter with a reason, and refuses replays of it afterwards', async () => {
    const { commandId, workflowId } = await deadLetter(h, 'status:400:99');
    const answer = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/discard`, { json: { reason: 'obsolete request' }, headers: ADMIN });
    assert.equal(answer.status, 202);
    assert.equal((await workflowResult(h, workflowId)).status, 'discarded');
    const dl = await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } });
    assert.equal(dl.status, 'discarded');
    assert.equal(dl.resolvedBy, 'alice@startinsight');
    assert.equal(dl.resolutionNote, 'obsolete request');
    const replay = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, { json: { reason: 'changed my mind' }, headers: ADMIN });
    assert.equal(replay.status, 409);
    assert.equal(replay.body.error.status, 'discarded');
  });

  it('answers 403 and changes nothing when RUNTIME_REPLAY_ENABLED=false', async () => {
    const { commandId } = await deadLetter(h, 'status:400:99');
    const off = await h.startApi({ RUNTIME_REPLAY_ENABLED: 'false' });
    // The access decisions themselves are audited (auth.allowed); no action may be.
    const actions = () => h.prisma.runtimeAdminAudit.count({ where: { NOT: { action: { startsWith: 'auth.' } } } });
    const auditBefore = await actions();
    for (const [path, body] of [
      [`/admin/runtime/dead-letters/${commandId}/replay`, { reason: 'x' }],
      [`/admin/runtime/dead-letters/${commandId}/discard`, { reason: 'x' }],
      ['/admin/runtime/dead-letters/replay', { reason: 'x' }],
      [`/v1/commands/${commandId}/replay`, {}],
    ] as const) {
      const answer = await request(off.url, 'POST', path, { json: body, headers: ADMIN });
      assert.equal(answer.status, 403, path);
      assert.equal(answer.body.error.code, 'replay_disabled');
    }
    assert.equal((await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } })).status, 'parked');
    assert.equal(await actions(), auditBefore);
    await off.close();
  });

  it('refuses admin mutations without a verified identity, and audits the refusal', async () => {
    const since = new Date(Date.now() - 1000);
    const answer = await request(h.apiUrl, 'POST', '/admin/runtime/dead-letters/replay', { json: { reason: 'x' }, anonymous: true });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.reason, 'missing_token');
    // The audit row is written after the answer, and other suites audit refusals of this route too.
    const denial = await until('the refusal audited', () =>
      h.prisma.runtimeAdminAudit.findFirst({ where: { action: 'auth.denied', targetId: 'POST /admin/runtime/dead-letters/replay', actor: 'anonymous', createdAt: { gte: since } } }),
    );
    assert.equal(denial.actor, 'anonymous');
  });

  it('bulk-replays 50 dead letters: 45 complete, the 5 that fail again are listed', async function () {
    this.timeout(400_000);
    const family = 'content';
    const make = (scenario: string) =>
      request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: family, action: 'draft', input: { brief: 'bulk', scenario } } });
    const submitted = await Promise.all([...Array.from({ length: 45 }, () => make('status:400:1')), ...Array.from({ length: 5 }, () => make('status:400:99'))]);
    const ids = submitted.map((s) => s.body.commandId as string);
    await until('50 parked', async () => (await h.prisma.runtimeDeadLetter.count({ where: { commandId: { in: ids }, status: 'parked' } })) === 50, 240_000);
    const job = await request(h.apiUrl, 'POST', '/admin/runtime/dead-letters/replay', {
      json: { filter: { agentFamily: family, errorClass: 'invalid_input' }, reason: 'bulk after provider fix', limit: 500 },
      headers: ADMIN,
    });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    assert.equal(job.body.requested, 50);
    assert.deepEqual(job.body.failed, []);
    const finished = await until(
      'bulk replay settled',
      async () => {
        const s = await request(h.apiUrl, 'GET', `/admin/runtime/replay-jobs/${job.body.jobId}`);
        return s.body.summary.succeeded + s.body.summary.deadLettered === 50 && s.body.summary.running === 0 && s.body.summary.pending === 0 ? s.body : undefined;
      },
      240_000,
    );
    assert.equal(finished.summary.succeeded, 45);
    assert.equal(finished.summary.deadLettered, 5);
    assert.equal(finished.notCompleted.length, 5);
    assert.deepEqual(new Set(finished.notCompleted.map((i: { commandId: string }) => i.commandId)), new Set(ids.slice(45)));
  });

  it('critical_sync: retries a dropped stream on the same provider with its backoff and succeeds on the third attempt', async () => {
    // The gateway retries a dropped stream once by itself, so 4 scripted drops fail 2 attempts (timeout
    // is no fallback class: the same model again, its rounds cut at the fallback threshold of 1).
    const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { agentFamily: 'research', action: 'investigate', input: { question: 'Flaky stream', scenario: 'drop:4' }, policyProfile: 'critical_sync' },
    });
    assert.equal(submitted.status, 202);
    const { commandId, workflowId } = submitted.body;
    await workflowResult(h, workflowId);
    const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
    assert.deepEqual(attempts.map((a) => [a.status, a.errorClass, a.provider]), [['failed', 'timeout', 'gemini-standin'], ['failed', 'timeout', 'gemini-standin'], ['succeeded', null, 'gemini-standin']]);
    // critical_sync: 0.5 s, then 0.75 s between attempts (its retry policy), with tolerance.
    const gaps = [1, 2].map((i) => attempts[i]!.startedAt.getTime() - attempts[i - 1]!.finishedAt!.getTime());
    assert.ok(gaps[0]! >= 400 && gaps[0]! < 3000, `first gap ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 600 && gaps[1]! < 3000, `second gap ${gaps[1]} ms`);
    assert.equal((await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } })).attemptCount, 3);
  });

  it('RUNTIME_DEAD_LETTER_THRESHOLD overrides the profile: critical_sync parks after 2 attempts instead of 6', async () => {
    const api = await h.startApi({ RUNTIME_DEAD_LETTER_THRESHOLD: '2' });
    try {
      const submitted = await request(api.url, 'POST', '/v1/commands', {
        json: { agentFamily: 'research', action: 'investigate', input: { question: 'Down for good', scenario: 'status:503:99' }, policyProfile: 'critical_sync' },
      });
      assert.equal(submitted.status, 202);
      const { commandId } = submitted.body;
      const dl = await until('parked', () => h.prisma.runtimeDeadLetter.findFirst({ where: { commandId, status: 'parked' } }));
      assert.equal(dl.errorClass, 'provider_unavailable');
      assert.equal(dl.attempts, 2);
      assert.equal(await h.prisma.runtimeCommandAttempt.count({ where: { commandId } }), 2);
    } finally {
      await api.close();
    }
  });

  it('classes output that fails the family schema as invalid_output and parks it', async () => {
    const { commandId } = await deadLetter(h, 'badjson');
    const dl = await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } });
    assert.equal(dl.errorClass, 'invalid_output');
    assert.equal(dl.attempts, 1, 'invalid_output is not retried');
  });

  it('closes the parked workflow when the replay window ends; the API replays it as a new run', async () => {
    // Family overrides come from the agent_configurations row named after the family.
    await h.prisma.agentConfiguration.upsert({
      where: { name: 'trend_watch' },
      create: { name: 'trend_watch', agentFamily: 'trend_watch', action: 'refresh', policyOverrides: { deadLetter: { replayableForMs: 1500 } } },
      update: { policyOverrides: { deadLetter: { replayableForMs: 1500 } } },
    });
    try {
      const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
        json: { agentFamily: 'trend_watch', action: 'refresh', input: { keywords: ['expiry'], scenario: 'status:400:1' } },
      });
      const { commandId, workflowId } = submitted.body;
      assert.equal((await workflowResult(h, workflowId)).status, 'dead_lettered');
      assert.equal((await h.prisma.runtimeDeadLetter.findUniqueOrThrow({ where: { commandId } })).status, 'expired');
      const replay = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, { json: { reason: 'after expiry' }, headers: ADMIN });
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      assert.equal(replay.body.outcome, 'started');
      await waitForCommand(h, commandId, 'succeeded');
      const runs = await h.prisma.runtimeWorkflowRun.findMany({ where: { commandId }, orderBy: { startedAt: 'asc' } });
      assert.equal(runs.length, 2, 'a new run of the same workflow id');
      assert.equal(runs[1]!.replayId, replay.body.replayId);
      // The new run is found in the Temporal UI by the same search attributes as the first.
      const described = await h.client.workflow.getHandle(workflowId, runs[1]!.runId).describe();
      assert.deepEqual(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.CommandId), commandId);
      assert.deepEqual(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.AgentFamily), 'trend_watch');
      const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
      assert.deepEqual(attempts.map((a) => a.attemptNumber), [1, 2], 'attempt numbers continue across runs');
      await until('dead letter replayed', () => h.prisma.runtimeDeadLetter.findFirst({ where: { commandId, status: 'replayed' } }));
    } finally {
      await h.prisma.agentConfiguration.delete({ where: { name: 'trend_watch' } });
    }
  });

  it('re-runs a finished command with edited input as a new command linked to the original', async () => {
    const first = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'summarise', input: { question: 'Original' } } });
    await workflowResult(h, first.body.workflowId);
    const rerun = await request(h.apiUrl, 'POST', `/v1/commands/${first.body.commandId}/replay`, { json: { input: { question: 'Edited' } } });
    assert.equal(rerun.status, 202, JSON.stringify(rerun.body));
    assert.equal(rerun.body.replayOf, first.body.commandId);
    await workflowResult(h, rerun.body.workflowId);
    const original = await request(h.apiUrl, 'GET', `/v1/commands/${first.body.commandId}`);
    assert.deepEqual(original.body.replays, [rerun.body.commandId]);
    const row = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: rerun.body.commandId } });
    assert.equal((row.input as { question: string }).question, 'Edited');
    assert.equal(row.status, 'succeeded');
  });
});
