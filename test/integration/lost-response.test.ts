import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, WorkerProcesses } from '../support/processes';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-fixture';
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

  let redis: PrivateRedis | undefined;
  after(async () => {
    workers.killAll();
    await redis?.stop();
  });

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

  it('hands a recorded success whose completion was lost on to the next round: one model call, its usage counted once', async () => {
    // The worker's events go to a Redis of the test's own, whose writes the test pauses while the
    // model runs: after writing its success the attempt waits on its attempt.succeeded event (up
    // to its 2 s command timeout), and the worker is killed in that window (polled every 200 ms),
    // so Temporal never gets the completion. critical_sync with fallback models configured cuts a
    // round at one attempt, so the heartbeat timeout ends the round and the next attempt is a new
    // activity.
    redis = await startPrivateRedis();
    const env: Record<string, string> = { ...processEnv(h, `lost-success-${process.pid}`), REDIS_URL: redis.url };
    const api = await h.startApi({ TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE! });
    const first = await workers.start(env);
    const submitted = await request(api.url, 'POST', '/v1/commands', {
      json: { agentFamily: 'research', action: 'investigate', input: { question: 'Lost success', scenario: 'slow:1500' }, policyProfile: 'critical_sync' },
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const { commandId, workflowId } = submitted.body as { commandId: string; workflowId: string };
    // attempt.started is published before the gateway is called, so it is out by now.
    await until('the model call is in progress', () => h.standin.callsFor(commandId).length > 0, 60_000);
    const pauser = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await pauser.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      await until(
        'the attempt recorded its success',
        async () => (await h.prisma.runtimeCommandAttempt.findUnique({ where: { commandId_attemptNumber: { commandId, attemptNumber: 1 } } }))?.status === 'succeeded',
        30_000,
      );
      first.child.kill('SIGKILL');
      await first.exited;
      await pauser.call('CLIENT', 'UNPAUSE');
    } finally {
      pauser.disconnect();
    }

    await workers.start(env);
    const result = await workflowResult(h, workflowId);
    assert.equal(result.status, 'succeeded');
    assert.equal(h.standin.callsFor(commandId).length, 1, 'one model call');
    const attempts = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId }, orderBy: { attemptNumber: 'asc' } });
    assert.deepEqual(
      attempts.map((a) => [a.attemptNumber, a.status, a.reattached, a.idempotencyKey, a.gatewayRunId]),
      [
        [1, 'succeeded', false, attempts[0]!.idempotencyKey, attempts[0]!.gatewayRunId],
        [2, 'succeeded', true, attempts[0]!.idempotencyKey, attempts[0]!.gatewayRunId],
      ],
      'the second attempt re-attached to the first one\'s gateway run',
    );
    assert.ok(attempts[0]!.tokensIn > 0);
    assert.deepEqual([attempts[1]!.tokensIn, attempts[1]!.tokensOut], [0, 0], 'its usage is on the first row only');
    const command = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } });
    assert.deepEqual([command.status, command.attemptCount, command.tokensIn], ['succeeded', 2, attempts[0]!.tokensIn]);
    await api.close();
  });
});
