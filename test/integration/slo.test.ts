import { createSqlPool, type SqlPool } from '../../persistence/sql';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createApp, type RuntimeApp } from '../../api/app';
import { createEventPublisher, eventReaderFactory } from '../../infra/events/from-config';
import type { EventPublisher } from '../../infra/events/redis-event-publisher';
import { createMetricsRegistry } from '../../infra/metrics';
import { parseConfig } from '../../runtime/config/load';
import { TEST_AUTH_ENV } from '../support/auth';
import { createTestDatabase, type TestDatabase } from '../support/database-fixture';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { until } from '../support/until';

const MIN = 60_000;

/**
 * A hand-made window of rows in a database of its own, so every figure below is computed by hand:
 * 30 commands in the last hour (27 succeeded, 3 dead-lettered) and one older failed one outside it;
 * one attempt each (25 on research's primary model, 5 on a fallback); 10 log rows, one without a
 * trace id; 5 dead letters, 2 of them replayed after 30 and 40 minutes.
 */
async function seed(db: TestDatabase, now: number): Promise<void> {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN);
  const command = (i: number, status: 'succeeded' | 'dead_lettered' | 'failed', minutesAgo: number) => ({
    id: `slo-${i}`,
    requestHash: 'h',
    agentFamily: 'research',
    action: 'investigate',
    input: {},
    policyProfile: 'standard_async',
    traceId: `trace-${i}`,
    workflowId: `command-slo-${i}`,
    status,
    createdAt: at(minutesAgo),
  });
  await db.prisma.runtimeCommand.createMany({
    data: [
      ...Array.from({ length: 27 }, (_, i) => command(i, 'succeeded', 50)),
      ...Array.from({ length: 3 }, (_, i) => command(27 + i, 'dead_lettered', 50)),
      command(99, 'failed', 120),
    ],
  });
  await db.prisma.runtimeCommandAttempt.createMany({
    data: Array.from({ length: 30 }, (_, i) => ({
      commandId: `slo-${i}`,
      attemptNumber: 1,
      workflowId: `command-slo-${i}`,
      workflowRunId: 'run',
      idempotencyKey: `k-${i}`,
      traceId: `trace-${i}`,
      status: 'succeeded' as const,
      provider: i < 25 ? 'gemini-standin' : 'claude-standin',
      model: i < 25 ? 'gemini-2.5-pro' : 'claude-sonnet-4-5',
      costUsd: 0.01,
      startedAt: at(49),
    })),
  });
  await db.prisma.agentExecutionLog.createMany({
    data: Array.from({ length: 10 }, (_, i) => ({
      source: 'runtime',
      correlationKey: `slo-log-${i}`,
      agentFamily: 'research',
      action: 'investigate',
      status: 'succeeded',
      traceId: i === 0 ? null : `trace-${i}`,
      createdAt: at(45),
    })),
  });
  const deadLetter = (i: number, status: 'parked' | 'replayed', resolvedMinutesAgo?: number) => ({
    commandId: `slo-${i}`,
    workflowId: `command-slo-${i}`,
    agentFamily: 'research',
    action: 'investigate',
    policyProfile: 'standard_async',
    errorClass: 'provider_unavailable',
    errorMessage: 'down',
    attempts: 4,
    status,
    replayableUntil: at(-7 * 24 * 60),
    traceId: `trace-${i}`,
    createdAt: at(55),
    ...(resolvedMinutesAgo === undefined ? {} : { resolvedAt: at(resolvedMinutesAgo) }),
  });
  await db.prisma.runtimeDeadLetter.createMany({
    data: [deadLetter(27, 'parked'), deadLetter(28, 'parked'), deadLetter(29, 'parked'), deadLetter(0, 'replayed', 25), deadLetter(1, 'replayed', 15)],
  });
}

describe('service levels and alerts over a hand-computed window', function () {
  this.timeout(120_000);
  let h: RuntimeHarness;
  let db: TestDatabase;
  let app: RuntimeApp;
  let server: Server;
  let url: string;
  const registry = createMetricsRegistry('slo-test', false);
  let events: EventPublisher;
  let prefix: string;
  let sqlPool: SqlPool | undefined;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    prefix = `${h.redisPrefix}slo:`;
    db = await createTestDatabase();
    await seed(db, Date.now());
    const config = parseConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: h.temporal.address,
      TEMPORAL_TASK_QUEUE: `slo-${process.pid}`,
      // A stream of its own: API processes of other suites evaluate (and publish) alerts too.
      REDIS_KEY_PREFIX: prefix,
      RUNTIME_ALERT_WINDOW_MINUTES: '60',
      ...TEST_AUTH_ENV,
    });
    events = createEventPublisher(config, h.logger);
    sqlPool = createSqlPool(db.url, () => undefined);
    app = createApp({ config, prisma: db.prisma, sqlPool, temporal: h.client, logger: h.logger, events, openEventReader: eventReaderFactory(config, h.logger), metrics: registry, redis: h.redis });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.close();
    server?.closeAllConnections();
    await events?.close();
    await sqlPool?.end();
    await db?.drop();
  });

  it('GET /admin/runtime/slo reports reliability, trace coverage and dead-letter MTTR as computed by hand', async () => {
    const answer = await request(url, 'GET', '/admin/runtime/slo?windowMinutes=60');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { slo, snapshot, alerts } = answer.body;
    assert.deepEqual(slo.reliability, { value: 27 / 30, target: 0.99, met: false, completed: 30 });
    assert.deepEqual(slo.traceCoverage, { value: 69 / 70, target: 1, met: false, rows: 70 });
    assert.equal(slo.deadLetterMttrMs, 35 * MIN);
    assert.equal(snapshot.deadLetters.parkedInWindow, 5);
    assert.equal(snapshot.attempts.onFallbackModel, 5);
    assert.equal(snapshot.backlog, 0);
    assert.deepEqual(
      alerts.filter((a: { firing: boolean }) => a.firing).map((a: { name: string }) => a.name),
      ['reliability_below_target', 'fallback_spike'],
    );
    // A window that reaches back over the older failed command counts it too.
    const wide = await request(url, 'GET', '/admin/runtime/slo?windowMinutes=180');
    assert.equal(wide.body.slo.reliability.completed, 31);
    const bad = await request(url, 'GET', '/admin/runtime/slo?windowMinutes=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields[0].path, 'query.windowMinutes');
  });

  it('evaluated alerts become gauges and one alert.fired event per transition', async () => {
    await app.alerts.evaluateOnce();
    await app.alerts.evaluateOnce();
    const firing = await registry.getSingleMetric('si_alert_firing')!.get();
    const byName = Object.fromEntries(firing.values.map((v) => [v.labels.alert, v.value]));
    assert.equal(byName.reliability_below_target, 1);
    assert.equal(byName.fallback_spike, 1);
    assert.equal(byName.dead_letter_growth, 0);
    assert.equal((await registry.getSingleMetric('si_slo_reliability_ratio')!.get()).values[0]!.value, 0.9);
    const redis = new Redis();
    try {
      const fired = await until('alert.fired events', async () => {
        const entries = await redis.xrange(`${prefix}events`, '-', '+');
        const events = entries.map(([, f]) => JSON.parse(f[f.indexOf('event') + 1]!)).filter((e) => e.type === 'alert.fired');
        return events.length >= 2 ? events : undefined;
      });
      assert.deepEqual(fired.map((e: { data: { alert: string } }) => e.data.alert).sort(), ['fallback_spike', 'reliability_below_target'], 'published once, not per evaluation');
    } finally {
      redis.disconnect();
    }
  });
});
