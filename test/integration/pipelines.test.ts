import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, WorkerProcesses } from '../support/processes';
import { ofCurrentRevision, recordHistory } from '../support/record-history';
import { SseClient } from '../support/sse-client';
import { until } from '../support/until';
import { workflowResult } from '../support/workflow-result';

const ADMIN = { 'X-Actor': 'editor@startinsight.io' };

async function submit(apiUrl: string, action: string, input: Record<string, unknown>, agentFamily = 'research') {
  const submitted = await request(apiUrl, 'POST', '/v1/commands', { json: { agentFamily, action, input } });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  return submitted.body as { commandId: string; workflowId: string };
}

async function settled(h: RuntimeHarness, commandId: string, statuses = ['succeeded', 'failed', 'dead_lettered']) {
  return until(`command ${commandId} settled`, () => h.prisma.runtimeCommand.findFirst({ where: { id: commandId, status: { in: statuses as never } } }), 120_000);
}

/** Attempt rows as [step, status, errorClass]. */
async function attemptsOf(h: RuntimeHarness, commandId: string) {
  const rows = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
  return { rows, summary: rows.map((a) => [a.step, a.status, a.errorClass]) };
}

/** Which step a gateway call served, read off the step's prompt (each family's prompt starts differently). */
function callsPerStep(h: RuntimeHarness, commandId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of h.standin.callsFor(commandId)) {
    const kind = /\n(Research|Market insight|Content|Trend watch) /.exec(c.message)?.[1] ?? '?';
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

describe('pipelines: multi-step workflows declared as data', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  afterEach(() => h.prisma.agentConfiguration.deleteMany({ where: { name: 'research' } }));

  it('runs research -> analyse -> report with outputs flowing between steps, memory snapshotted after each', async () => {
    const { commandId, workflowId } = await submit(h.apiUrl, 'report', { question: 'Who buys heat pumps?', market: 'DACH heat pumps' });
    const command = await settled(h, commandId);
    assert.equal(command.status, 'succeeded', JSON.stringify(command));
    const result = command.result as { summary: string };
    assert.match(result.summary, /Stand-in analysis/);

    const { rows, summary } = await attemptsOf(h, commandId);
    assert.deepEqual(summary, [['research', 'succeeded', null], ['analyse', 'succeeded', null], ['report', 'succeeded', null]]);
    assert.deepEqual(rows.map((r) => r.model), ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash'], 'each step on its family model');

    // What each step was given: the analyse prompt carries the research summary, the report both.
    const calls = h.standin.callsFor(commandId);
    assert.equal(calls.length, 3);
    const snapshots = await h.prisma.runtimeMemorySnapshot.findMany({ where: { commandId }, orderBy: { version: 'asc' } });
    assert.deepEqual(snapshots.map((s) => [s.version, s.step]), [[1, 'input'], [2, 'research'], [3, 'analyse'], [4, 'report']]);
    const memory = snapshots.at(-1)!.content as { steps: Record<string, { summary: string }> };
    assert.ok(calls[1]!.message.includes(memory.steps.research!.summary), 'step 2 got step 1 output');
    assert.ok(calls[2]!.message.includes(memory.steps.analyse!.summary), 'step 3 got step 2 output');
    for (const s of snapshots) assert.ok(/^[0-9a-f]{64}$/.test(s.contentHash) && s.sizeBytes > 0);

    const [run] = await h.prisma.runtimeWorkflowRun.findMany({ where: { commandId } });
    const transitions = (run!.steps as { step: string; status: string }[]).map((t) => `${t.step}:${t.status}`);
    assert.deepEqual(transitions, ['research:running', 'research:succeeded', 'analyse:running', 'analyse:succeeded', 'report:running', 'report:succeeded']);
    assert.equal(run!.currentStep, null);
    assert.equal(Number(run!.costUsd), Number(command.costUsd));
    assert.equal(run!.tokensIn, rows.reduce((n, r) => n + r.tokensIn, 0));
    // Every transition is a step.transition event too, in order, between start and success.
    const events = await SseClient.open(`${h.apiUrl}/admin/runtime/events?commandId=${commandId}&since=0`);
    try {
      await until('command.succeeded event', () => events.eventsFor(commandId).some((e) => e.type === 'command.succeeded'));
      const steps = events.eventsFor(commandId).filter((e) => e.type === 'step.transition').map((e) => `${e.data.step}:${e.data.status}`);
      assert.deepEqual(steps, transitions);
    } finally {
      await events.close();
    }
    recordHistory(h, workflowId, ofCurrentRevision('pipeline-research-report-succeeded'));
  });

  it('dead-letters at step 3 and, replayed, resumes from the restored memory without re-running steps 1-2', async () => {
    const { commandId, workflowId } = await submit(h.apiUrl, 'report', { question: 'Replay me', market: 'EU batteries', stepScenarios: { report: 'status:400:99' } });
    await settled(h, commandId, ['dead_lettered']);
    assert.deepEqual((await attemptsOf(h, commandId)).summary, [['research', 'succeeded', null], ['analyse', 'succeeded', null], ['report', 'failed', 'invalid_input']]);

    const replay = await request(h.apiUrl, 'POST', `/admin/runtime/dead-letters/${commandId}/replay`, {
      headers: ADMIN,
      json: { reason: 'provider fixed', inputPatch: { stepScenarios: {} } },
    });
    assert.equal(replay.status, 202, JSON.stringify(replay.body));
    const command = await settled(h, commandId, ['succeeded']);
    assert.equal(command.status, 'succeeded');
    assert.deepEqual((await attemptsOf(h, commandId)).summary, [['research', 'succeeded', null], ['analyse', 'succeeded', null], ['report', 'failed', 'invalid_input'], ['report', 'succeeded', null]]);
    assert.deepEqual(callsPerStep(h, commandId), { Research: 1, 'Market insight': 1, Content: 2 }, 'steps 1 and 2 ran once');
    const snapshots = await h.prisma.runtimeMemorySnapshot.findMany({ where: { commandId }, orderBy: { version: 'asc' } });
    assert.deepEqual(snapshots.map((s) => s.step), ['input', 'research', 'analyse', 'input', 'report'], 'the patched input is a new version on top of the restored one');
    recordHistory(h, workflowId, ofCurrentRevision('pipeline-dead-letter-replayed'));
  });

  it('stops with budget_exceeded when the next step could cross the cap, and never crosses it', async () => {
    // Step 1 (Gemini Pro) and 2 are scripted to use much of the cap; step 3's worst case no longer fits.
    const capUsd = 0.105;
    await h.prisma.agentConfiguration.create({ data: { name: 'research', agentFamily: 'research', action: 'report', policyOverrides: { costCapUsd: capUsd } } });
    const { commandId } = await submit(h.apiUrl, 'report', { question: 'Dear question', market: 'Luxury', stepScenarios: { research: 'usage:15000:4000', analyse: 'usage:15000:8000' } });
    const command = await settled(h, commandId);
    const { rows, summary } = await attemptsOf(h, commandId);
    assert.deepEqual(summary, [['research', 'succeeded', null], ['analyse', 'succeeded', null], ['report', 'failed', 'budget_exceeded']], JSON.stringify(rows.map((r) => r.errorMessage)));
    assert.equal(command.status, 'dead_lettered');
    const spent = rows.reduce((n, r) => n + Number(r.costUsd), 0);
    assert.ok(spent <= capUsd, `spent ${spent} USD within the cap of ${capUsd} USD`);
    assert.equal(Number(command.costUsd).toFixed(6), spent.toFixed(6));
    assert.deepEqual(callsPerStep(h, commandId), { Research: 1, 'Market insight': 1 }, 'the refused step never reached the gateway');
  });

  it('an approval step: approved (the note reaches the next step), rejected, timed out; the state query shows the wait', async () => {
    const approved = await submit(h.apiUrl, 'reviewed_brief', { question: 'Approve me' });
    const rejected = await submit(h.apiUrl, 'reviewed_brief', { question: 'Reject me' });
    const timedOut = await submit(h.apiUrl, 'reviewed_brief', { question: 'Nobody answers', approvalTimeoutMs: 3000 });

    for (const c of [approved, rejected]) {
      await until('waiting for approval', async () => {
        const state = await request(h.apiUrl, 'GET', `/v1/commands/${c.commandId}/state`);
        return state.status === 200 && state.body.currentStep === 'review' && state.body.status === 'waiting_approval' ? state.body : undefined;
      }, 60_000);
    }
    const yes = await request(h.apiUrl, 'POST', `/v1/commands/${approved.commandId}/approvals`, { headers: ADMIN, json: { step: 'review', decision: 'approve', note: 'Looks solid: go ahead' } });
    assert.equal(yes.status, 202, JSON.stringify(yes.body));
    const again = await request(h.apiUrl, 'POST', `/v1/commands/${approved.commandId}/approvals`, { headers: ADMIN, json: { step: 'review', decision: 'reject' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'approval_already_given');
    const unknownStep = await request(h.apiUrl, 'POST', `/v1/commands/${rejected.commandId}/approvals`, { headers: ADMIN, json: { step: 'research', decision: 'approve' } });
    assert.equal(unknownStep.status, 400);
    const no = await request(h.apiUrl, 'POST', `/v1/commands/${rejected.commandId}/approvals`, { headers: ADMIN, json: { step: 'review', decision: 'reject', note: 'sources too thin' } });
    assert.equal(no.status, 202);

    const ok = await settled(h, approved.commandId);
    assert.equal(ok.status, 'succeeded');
    const draftCall = h.standin.callsFor(approved.commandId).at(-1)!;
    assert.ok(draftCall.message.includes('Looks solid: go ahead'), 'the approver note is in the draft step context');

    const bad = await settled(h, rejected.commandId);
    assert.equal(bad.status, 'failed');
    assert.equal(bad.errorClass, 'approval_rejected');
    assert.match(bad.errorMessage!, /rejected by editor@startinsight\.io: sources too thin/);
    assert.equal(callsPerStep(h, rejected.commandId).Content, undefined, 'nothing drafted after a rejection');

    const late = await settled(h, timedOut.commandId);
    assert.equal(late.status, 'failed');
    assert.equal(late.errorClass, 'approval_timeout');

    const audit = await h.prisma.runtimeAdminAudit.findMany({ where: { action: 'pipeline.approval', targetId: { in: [approved.commandId, rejected.commandId] } } });
    assert.deepEqual(audit.map((a) => a.outcome).sort(), ['approved', 'rejected']);
    const [run] = await h.prisma.runtimeWorkflowRun.findMany({ where: { commandId: rejected.commandId } });
    assert.deepEqual((run!.steps as { step: string; status: string }[]).map((t) => `${t.step}:${t.status}`), ['research:running', 'research:succeeded', 'review:waiting_approval', 'review:rejected']);
    recordHistory(h, approved.workflowId, ofCurrentRevision('pipeline-approval-approved'));
  });

  it('runs a parallel group and continues as new when the history passes its limit, carrying only the memory reference', async () => {
    const api = await h.startApi({ RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS: '20' });
    try {
      const { commandId, workflowId } = await submit(api.url, 'watch', { market: 'Solar', keywords: ['perovskite', 'agrivoltaics'] }, 'market_insight');
      const command = await settled(h, commandId);
      assert.equal(command.status, 'succeeded');
      const { summary } = await attemptsOf(h, commandId);
      assert.deepEqual(summary.map((s) => s[0]).sort(), ['market', 'summary', 'trends']);
      const runs = await h.prisma.runtimeWorkflowRun.findMany({ where: { commandId }, orderBy: { startedAt: 'asc' } });
      assert.deepEqual(runs.map((r) => r.status), ['continued_as_new', 'completed']);
      assert.ok(runs[0]!.historyLength! >= 20);
      const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId } });
      assert.deepEqual(attempts.filter((a) => a.step === 'summary').map((a) => a.workflowRunId), [runs[1]!.runId], 'the last step ran in the new run');
      const result = await workflowResult(h, workflowId);
      assert.equal(result.status, 'succeeded');
    } finally {
      await api.close();
    }
  });
});

describe('pipelines: a worker killed between steps', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;
  const workers = new WorkerProcesses();

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  after(() => workers.killAll());

  it('resumes at step 3 on another worker; steps 1-2 are not re-run', async () => {
    const env = processEnv(h, `pipeline-kill-${process.pid}`);
    const api = await h.startApi({ TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE! });
    const startWorker = () => workers.start(env);
    try {
      const first = await startWorker();
      const submitted = await request(api.url, 'POST', '/v1/commands', {
        // critical_sync: a 10 s heartbeat timeout, so an attempt lost with the worker is retried soon.
        json: { agentFamily: 'research', action: 'report', policyProfile: 'critical_sync', input: { question: 'Survive a crash', market: 'Wind', stepScenarios: { analyse: 'slow:2000' } } },
      });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const { commandId, workflowId } = submitted.body as { commandId: string; workflowId: string };
      await until('step 2 finished', () => h.prisma.runtimeCommandAttempt.findFirst({ where: { commandId, step: 'analyse', status: 'succeeded' } }), 120_000);
      // The attempt row says succeeded before Temporal has the activity's completion; killing in
      // between loses the completion and step 2 re-attaches (a second row). Wait for the workflow
      // itself to move on to step 3, which it records only after it has step 2's result.
      await until('the workflow moved to step 3', () => h.prisma.runtimeWorkflowRun.findFirst({ where: { commandId, currentStep: 'report' } }), 60_000);
      first.child.kill('SIGKILL');
      await first.exited;

      await startWorker();
      const result = await workflowResult(h, workflowId);
      assert.equal(result.status, 'succeeded');
      const { summary } = await attemptsOf(h, commandId);
      assert.deepEqual(summary.filter((s) => s[0] !== 'report'), [['research', 'succeeded', null], ['analyse', 'succeeded', null]]);
      assert.equal(summary.at(-1)![1], 'succeeded');
      const calls = callsPerStep(h, commandId);
      assert.equal(calls.Research, 1, 'step 1 ran once');
      assert.equal(calls['Market insight'], 1, 'step 2 ran once');
      assert.equal(calls.Content, 1, 'step 3 reached the model once (a lost attempt re-attaches)');
    } finally {
      await api.close();
    }
  });
});
