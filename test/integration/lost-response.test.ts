import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, WorkerProcesses } from '../support/processes';
import { until } from '../support/until';
import { workflowResult } from '../support/workflow-result';

/**
 * The executor's idempotency through the whole runtime: the worker is killed (SIGKILL) while the
 * gateway is running an attempt, so the attempt's answer is lost. Temporal retries the activity on
 * another worker after the heartbeat timeout; that attempt re-attaches to the same gateway run by
 * its idempotency key, so the model is called once and the command completes.
 */
describe('lost response: worker killed mid-attempt', function () {
  this.timeout(240_000);
  let h: RuntimeHarness;
  const workers = new WorkerProcesses();

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  after(() => workers.killAll());

  it('re-attaches the retried attempt to the same gateway run: one model call, one completed command', async () => {
    const env = processEnv(h, `lost-response-${process.pid}`);
    const api = await h.startApi({ TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE! });
    const startWorker = () => workers.start(env);
    const first = await startWorker();

    // critical_sync: 10 s heartbeat timeout, so Temporal notices the dead worker quickly.
    const submitted = await request(api.url, 'POST', '/v1/commands', {
      json: { agentFamily: 'research', action: 'investigate', input: { question: 'Lost answer', scenario: 'slow:5000' }, policyProfile: 'critical_sync' },
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const { commandId, workflowId } = submitted.body as { commandId: string; workflowId: string };
    await until('the model call is in progress', () => h.standin.callsFor(commandId).length > 0, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    await startWorker();
    const result = await workflowResult(h, workflowId);
    assert.equal(result.status, 'succeeded');

    const calls = h.standin.callsFor(commandId);
    assert.equal(calls.length, 1, `one model call, got ${calls.length}`);
    const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
    assert.deepEqual(
      attempts.map((a) => [a.attemptNumber, a.status, a.errorClass, a.reattached]),
      [
        [1, 'failed', 'timeout', false],
        [2, 'succeeded', null, true],
      ],
    );
    assert.equal(attempts[1]!.idempotencyKey, attempts[0]!.idempotencyKey, 'the same gateway run key');
    assert.match(attempts[0]!.errorMessage ?? '', /answer lost/);
    assert.ok(attempts[1]!.tokensIn > 0, 'usage of the one run is recorded on the attempt that saw it');
    const command = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } });
    assert.equal(command.status, 'succeeded');
    assert.equal(command.attemptCount, 2);
    await api.close();
  });
});
