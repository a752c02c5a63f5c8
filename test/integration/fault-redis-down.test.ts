import assert from 'node:assert/strict';
import { allSettled, assertEachProjectedOnce, logLine, submitAll } from '../support/fault-checks';
import { request } from '../support/http';
import { faultSuite } from '../support/fault-suite';
import { processEnv, startRuntimeProcesses } from '../support/processes';
import { startPrivateRedis } from '../support/redis-fixture';
import { until } from '../support/until';

const drafts = (n: number, label: string, slowMs: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ agentFamily: 'content', action: 'draft', input: { brief: `${label} ${i}`, scenario: `slow:${slowMs(i)}` } }));

/**
 * Fault: Redis goes away (a Redis of the test's own, SIGKILLed: the shared one serves everyone
 * else) with commands in flight and stays away while more are submitted. Redis carries only
 * lifecycle events (and, once wired, rate-limit counters), so commands must neither block nor fail.
 */
describe('fault tolerance: Redis down mid-run', function () {
  this.timeout(300_000);
  const suite = faultSuite();

  it('in-flight and new commands complete without it, the API keeps serving, events go out when it returns', async () => {
    const { h } = suite;
    const redis = await startPrivateRedis();
    suite.onCleanup(() => redis.stop());
    const env = { ...processEnv(h, `fault-redis-${process.pid}`), REDIS_URL: redis.url };
    const { worker, api, apiUrl } = await startRuntimeProcesses(env);
    suite.track(worker, api);

    const before = await submitAll(apiUrl, drafts(20, 'Redis outage, before', (i) => 2000 + (i % 5) * 1000));
    await until('attempts in flight', async () => (await h.prisma.runtimeCommandAttempt.count({ where: { commandId: { in: before.map((c) => c.commandId) }, status: 'running' } })) >= 5, 60_000);
    await redis.stop();
    const downAt = Date.now();

    // Submissions while Redis is away: accepted at once (the command.accepted event is buffered).
    const t0 = Date.now();
    const during = await submitAll(apiUrl, drafts(10, 'Redis outage, during', () => 500), 5);
    const submitMs = Date.now() - t0;
    const read = await request(apiUrl, 'GET', `/v1/commands/${during[0]!.commandId}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal((await request(apiUrl, 'GET', '/readyz')).status, 200);

    const ids = [...before, ...during].map((c) => c.commandId);
    await allSettled(h.prisma, ids, 180_000);
    const summary = await assertEachProjectedOnce(h.prisma, ids);
    assert.deepEqual(ids.map((id) => h.standin.callsFor(id).length).filter((n) => n !== 1), [], 'one model call per command');
    assert.match(worker.output(), /"events buffered: Redis unavailable"/);
    assert.match(api.output(), /"events buffered: Redis unavailable"/);
    logLine(`Redis down: 10 submissions took ${submitMs} ms; all ${ids.length} commands settled ${Math.round((Date.now() - downAt) / 1000)} s after the stop (${summary.attempts} attempt rows), Redis still down`);

    await redis.start();
    await until('the worker publishes again', () => worker.output().includes('"event publishing resumed"'), 30_000);
    await until('the API publishes again', () => api.output().includes('"event publishing resumed"'), 30_000);
  });
});
