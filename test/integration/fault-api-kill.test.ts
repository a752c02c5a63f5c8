import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { allSettled, assertEachProjectedOnce, logLine } from '../support/fault-checks';
import { request } from '../support/http';
import { faultSuite } from '../support/fault-suite';
import { processEnv, startApiProcess } from '../support/processes';
import { startTcpProxy } from '../support/tcp-proxy';
import { until } from '../support/until';

const body = (brief: string) => ({ agentFamily: 'content', action: 'draft', input: { brief } });

/**
 * Fault: the API process is killed (SIGKILL) while it handles submissions. A command whose 202 went
 * out before its workflow started is started by another API's start sweep; a client that got no
 * answer retries with the same Idempotency-Key on another API process and gets the same command,
 * which runs once; never a second command.
 */
describe('fault tolerance: API process killed mid-request', function () {
  this.timeout(300_000);
  const suite = faultSuite();

  it('killed after answering 202 but before its workflow started: another API\'s start sweep starts it, a retry gets the same command', async () => {
    const { h } = suite;
    // A short sweep period so the second API picks the orphan up within the test.
    const env = { ...processEnv(h, `fault-api-kill-${process.pid}`), RUNTIME_START_SWEEP_SECONDS: '1' };
    await suite.workers.start(env);
    // This API reaches Temporal through a proxy the test can freeze: the start then hangs after the
    // row is committed and the client has its 202 (RUNTIME_START_WAIT_MS), which is where the kill lands.
    const proxy = await startTcpProxy(Number(h.temporal.address.split(':').at(-1)));
    suite.onCleanup(() => proxy.close());
    const { api, apiUrl } = await startApiProcess({ ...env, TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    suite.track(api);

    const key = `fault-api-kill-${Date.now()}`;
    proxy.freeze();
    const answer = await request(apiUrl, 'POST', '/v1/commands', { json: body('API killed mid-start'), headers: { 'Idempotency-Key': key } });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const row = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { idempotencyKey: key } });
    assert.equal(row.id, answer.body.commandId);
    api.child.kill('SIGKILL');
    await api.exited;
    await assert.rejects(h.client.workflow.getHandle(row.workflowId).describe(), WorkflowNotFoundError, 'the workflow was never started');
    assert.equal(row.status, 'accepted');
    assert.equal(row.workflowStartedAt, null);

    // No client retry: the second API's sweep finds the unstarted row and starts it.
    const { api: second, apiUrl: secondUrl } = await startApiProcess(env);
    suite.track(second);
    await allSettled(h.prisma, [row.id], 120_000);
    const retry = await request(secondUrl, 'POST', '/v1/commands', { json: body('API killed mid-start'), headers: { 'Idempotency-Key': key } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.commandId, row.id, 'the same command');
    await assertEachProjectedOnce(h.prisma, [row.id]);
    assert.equal(await h.prisma.runtimeCommand.count({ where: { idempotencyKey: key } }), 1);
    assert.notEqual((await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: row.id } })).workflowStartedAt, null);
    assert.equal(h.standin.callsFor(row.id).length, 1);
  });

  it('killed with 40 keyed submissions in flight: every retried key maps to exactly one command, each run once', async () => {
    const { h } = suite;
    const env = processEnv(h, `fault-api-kill-${process.pid}`);
    const { api, apiUrl } = await startApiProcess(env);
    suite.track(api);
    const prefix = `fault-api-batch-${Date.now()}`;
    const keys = Array.from({ length: 40 }, (_, i) => `${prefix}-${i}`);
    const first = keys.map((k, i) =>
      request(apiUrl, 'POST', '/v1/commands', { json: body(`API batch ${i}`), headers: { 'Idempotency-Key': k } }).then(
        (a) => a.status,
        () => 'no answer',
      ),
    );
    await until('some rows committed', async () => (await h.prisma.runtimeCommand.count({ where: { idempotencyKey: { startsWith: prefix } } })) >= 5, 30_000);
    api.child.kill('SIGKILL');
    await api.exited;
    const firstAnswers = await Promise.all(first);
    const rowsAtKill = await h.prisma.runtimeCommand.count({ where: { idempotencyKey: { startsWith: prefix } } });

    const { api: second, apiUrl: secondUrl } = await startApiProcess(env);
    suite.track(second);
    const retries = await Promise.all(keys.map((k, i) => request(secondUrl, 'POST', '/v1/commands', { json: body(`API batch ${i}`), headers: { 'Idempotency-Key': k } })));
    assert.deepEqual([...new Set(retries.map((r) => r.status))].filter((s) => s !== 200 && s !== 202), [], 'every retry accepted');
    const rows = await h.prisma.runtimeCommand.findMany({ where: { idempotencyKey: { startsWith: prefix } } });
    assert.equal(rows.length, keys.length, 'one command per key, never two');
    const byKey = new Map(rows.map((r) => [r.idempotencyKey, r.id]));
    retries.forEach((r, i) => assert.equal(r.body.commandId, byKey.get(keys[i]!), `key ${i} answers its command`));
    // A key whose first request was answered before the kill answers the same command again.
    firstAnswers.forEach((a, i) => a === 202 && assert.equal(retries[i]!.status, 200));

    const ids = rows.map((r) => r.id);
    await allSettled(h.prisma, ids, 180_000);
    const summary = await assertEachProjectedOnce(h.prisma, ids);
    assert.deepEqual(ids.map((id) => h.standin.callsFor(id).length).filter((n) => n !== 1), [], 'one model call per command');
    const answered = firstAnswers.filter((a) => a === 202).length;
    logLine(`at the kill: ${answered} answered, ${rowsAtKill - answered} committed but unanswered, ${keys.length - rowsAtKill} not yet written; ${summary.commands} commands after the retries`);
  });
});
