import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { historyEventKinds } from '../support/history-events';
import { request } from '../support/http';
import { WORKFLOW_CODE_REVISION } from '../../runtime/code-revision';
import { ofCurrentRevision, recordHistory } from '../support/record-history';
import { until } from '../support/until';
import { workflowResult } from '../support/workflow-result';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

async function waitForCompletion(h: RuntimeHarness, workflowId: string): Promise<void> {
  await workflowResult(h, workflowId);
}

describe('POST /v1/commands: one command end to end', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('runs through the real gateway and projects command, attempt, run and execution log', async () => {
    const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { agentFamily: 'market_insight', action: 'scan', input: { market: 'EU residential solar', region: 'DACH' } },
      headers: { 'Idempotency-Key': `e2e-${Date.now()}`, traceparent: TRACEPARENT },
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const { commandId, workflowId, statusUrl } = submitted.body;
    assert.equal(workflowId, `command-${commandId}`);
    assert.equal(statusUrl, `/v1/commands/${commandId}`);
    assert.equal(submitted.body.traceId, TRACE_ID);
    assert.equal(submitted.body.policyProfile, 'standard_async');

    await waitForCompletion(h, workflowId);

    const status = await request(h.apiUrl, 'GET', statusUrl);
    assert.equal(status.status, 200);
    assert.equal(status.body.status, 'succeeded', JSON.stringify(status.body));
    assert.equal(typeof status.body.result.summary, 'string');
    assert.equal(status.body.attempts.length, 1);

    // The usage on the attempt is what the provider stand-in reported for this command's one call.
    const calls = h.standin.callsFor(commandId);
    assert.equal(calls.length, 1, 'exactly one model call');
    const attempt = status.body.attempts[0];
    assert.equal(attempt.status, 'succeeded');
    assert.equal(attempt.provider, 'gemini-standin');
    assert.equal(attempt.model, calls[0]!.model);
    assert.equal(attempt.tokensOut, calls[0]!.completionTokens);
    assert.equal(attempt.tokensIn, calls[0]!.promptTokens);
    assert.ok(attempt.costUsd > 0, 'priced from the runtime price table');
    assert.equal(status.body.usage.tokensOut, attempt.tokensOut);

    const [command, attempts, runs, logs] = await Promise.all([
      h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } }),
      h.prisma.runtimeCommandAttempt.findMany({ where: { commandId } }),
      h.prisma.runtimeWorkflowRun.findMany({ where: { commandId } }),
      h.prisma.agentExecutionLog.findMany({ where: { commandId } }),
    ]);
    assert.equal(command.workflowId, workflowId);
    assert.equal(command.traceId, TRACE_ID);
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.workflowId, workflowId);
    assert.equal(attempts[0]!.traceId, TRACE_ID);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'completed');
    assert.equal(runs[0]!.runId, attempts[0]!.workflowRunId);
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.source, 'runtime');
    assert.equal(logs[0]!.status, 'succeeded');
    assert.equal(logs[0]!.traceId, TRACE_ID);
    assert.equal(logs[0]!.tokensOut, attempt.tokensOut);

    // Code revision 3: no patch markers, no search-attribute upserts, the run start and the outcome
    // ride on the attempt: bare Temporal's one-activity workflow, event for event.
    assert.deepEqual(await historyEventKinds(h, workflowId), [
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'ActivityTaskScheduled(executeAgentAttempt)',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);

    recordHistory(h, workflowId, ofCurrentRevision('agent-command-succeeded'));
  });

  it('projects a best_effort command the provider rejects as failed, with a named failure class and no retry', async () => {
    const submitted = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { agentFamily: 'research', action: 'investigate', input: { question: 'Rejected?', scenario: 'status:400:9' }, policyProfile: 'best_effort' },
    });
    assert.equal(submitted.status, 202);
    const { commandId, workflowId } = submitted.body;
    await assert.rejects(workflowResult(h, workflowId), (err: Error & { cause?: { type?: string; cause?: { type?: string } } }) => {
      assert.equal(err.cause?.type, 'invalid_input', JSON.stringify(err.cause));
      return true;
    });
    const status = await request(h.apiUrl, 'GET', `/v1/commands/${commandId}`);
    assert.equal(status.body.status, 'failed');
    assert.equal(status.body.error.class, 'invalid_input');
    assert.equal(status.body.attempts.length, 1, 'a non-retryable class is not retried');
    assert.equal(status.body.attempts[0].status, 'failed');
    assert.equal(status.body.attempts[0].error.class, 'invalid_input');
    const log = await h.prisma.agentExecutionLog.findFirstOrThrow({ where: { commandId } });
    assert.equal(log.status, 'failed');
    assert.equal(log.errorClass, 'invalid_input');
    const run = await h.prisma.runtimeWorkflowRun.findFirstOrThrow({ where: { commandId } });
    assert.equal(run.status, 'failed');

    recordHistory(h, workflowId, ofCurrentRevision('agent-command-failed-best-effort'));
  });

  it('leaves a run of a code revision the worker does not know waiting, its workflow task failed with the reason', async () => {
    const workflowId = `revision-from-the-future-${Date.now()}`;
    const handle = await h.client.workflow.start('agentCommandWorkflow', {
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [{ commandId: workflowId, agentFamily: 'research', action: 'investigate', input: { question: 'From a newer API?' }, policyProfile: 'standard_async', traceId: TRACE_ID, shadow: false, codeRevision: 99 }],
    });
    try {
      const history = await until('the workflow task failed', async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
      });
      assert.ok(
        (history.failure?.message ?? '').includes(`workflow code revision 99 is newer than this worker's (${WORKFLOW_CODE_REVISION}): deploy workers before the API`),
        String(history.failure?.message),
      );
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      assert.equal(h.standin.callsFor(workflowId).length, 0, 'no agent call was made');
    } finally {
      await handle.terminate('test over');
    }
  });

  it('answers a repeated Idempotency-Key with the same command and runs it once', async () => {
    const key = `idem-${Date.now()}`;
    const body = { agentFamily: 'research', action: 'investigate', input: { question: 'Who buys heat pumps?' } };
    const first = await request(h.apiUrl, 'POST', '/v1/commands', { json: body, headers: { 'Idempotency-Key': key } });
    assert.equal(first.status, 202);
    // Keys in another order are the same request.
    const again = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { input: { question: 'Who buys heat pumps?' }, action: 'investigate', agentFamily: 'research' },
      headers: { 'Idempotency-Key': key },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.commandId, first.body.commandId);

    await waitForCompletion(h, first.body.workflowId);
    const afterCompletion = await request(h.apiUrl, 'POST', '/v1/commands', { json: body, headers: { 'Idempotency-Key': key } });
    assert.equal(afterCompletion.status, 200);
    assert.equal(afterCompletion.body.commandId, first.body.commandId);
    assert.equal(afterCompletion.body.status, 'succeeded');

    const conflict = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { ...body, input: { question: 'Something else' } },
      headers: { 'Idempotency-Key': key },
    });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'idempotency_conflict');
    assert.equal(conflict.body.error.commandId, first.body.commandId);

    assert.equal(await h.prisma.runtimeCommand.count({ where: { idempotencyKey: key } }), 1);
    assert.equal(await h.prisma.runtimeWorkflowRun.count({ where: { commandId: first.body.commandId } }), 1);
    assert.equal(h.standin.callsFor(first.body.commandId).length, 1, 'one gateway run, one model call');
  });

  it('creates one command when the same key arrives concurrently', async () => {
    const key = `race-${Date.now()}`;
    const body = { agentFamily: 'content', action: 'draft', input: { brief: 'Launch note for the runtime' } };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => request(h.apiUrl, 'POST', '/v1/commands', { json: body, headers: { 'Idempotency-Key': key } })),
    );
    const ids = new Set(answers.map((a) => a.body.commandId));
    assert.equal(ids.size, 1, JSON.stringify(answers.map((a) => a.body)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 200, 200, 202]);
    await waitForCompletion(h, answers[0]!.body.workflowId);
    assert.equal(h.standin.callsFor(answers[0]!.body.commandId).length, 1);
  });

  it('refuses new commands with 503 when RUNTIME_ENABLED=false, and still serves reads', async () => {
    const disabled = await h.startApi({ RUNTIME_ENABLED: 'false' });
    const before = await h.prisma.runtimeCommand.count();
    const answer = await request(disabled.url, 'POST', '/v1/commands', {
      json: { agentFamily: 'research', action: 'investigate', input: { question: 'q' } },
    });
    assert.equal(answer.status, 503);
    assert.equal(answer.body.error.code, 'runtime_disabled');
    assert.ok(answer.headers.get('retry-after'));
    assert.equal(await h.prisma.runtimeCommand.count(), before);
    const health = await request(disabled.url, 'GET', '/readyz');
    assert.equal(health.body.runtimeEnabled, false);
    await disabled.close();
  });
});
