import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { commandEvent } from '../../infra/events/command-event';
import { createEventPublisher } from '../../infra/events/from-config';
import { parseConfig } from '../../runtime/config/load';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, startRuntimeProcesses, type StartedProcess } from '../support/processes';
import { startPrivateRedis } from '../support/redis-fixture';
import { SseClient } from '../support/sse-client';
import { until } from '../support/until';
import { adminToken } from '../support/auth';
import { workflowResult } from '../support/workflow-result';

const FULL_SUCCESS = ['command.accepted', 'command.started', 'attempt.started', 'attempt.succeeded', 'command.succeeded'];


async function submit(apiUrl: string, json: Record<string, unknown>) {
  const submitted = await request(apiUrl, 'POST', '/v1/commands', { json });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  return submitted.body as { commandId: string; workflowId: string; traceId: string };
}

describe('lifecycle events: Redis stream and SSE', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('an SSE client sees the ordered events of a command, each with its ids, once', async () => {
    const client = await SseClient.open(`${h.apiUrl}/admin/runtime/events?agentFamily=research`);
    assert.equal(client.status, 200);
    try {
      const cmd = await submit(h.apiUrl, { agentFamily: 'research', action: 'investigate', input: { question: 'Events, please' } });
      await until('command.succeeded seen', () => client.eventsFor(cmd.commandId).some((e) => e.type === 'command.succeeded'));
      const events = client.eventsFor(cmd.commandId);
      assert.deepEqual(events.map((e) => e.type), FULL_SUCCESS);
      for (const e of events) {
        assert.equal(e.workflowId, cmd.workflowId);
        assert.equal(e.traceId, cmd.traceId);
        assert.equal(e.agentFamily, 'research');
        assert.ok(!Number.isNaN(Date.parse(e.at)));
      }
      const succeeded = events.find((e) => e.type === 'attempt.succeeded')!;
      assert.ok((succeeded.data.tokensIn as number) > 0 && typeof succeeded.data.costUsd === 'number');
      // Heartbeats arrive on a quiet stream (1 s in tests).
      await until('a heartbeat', () => client.comments > 0, 5_000);
    } finally {
      await client.close();
    }
  });

  it('a client that reconnects with Last-Event-ID mid-run misses nothing and sees nothing twice', async () => {
    const filter = `/admin/runtime/events?type=command.accepted,command.started,attempt.started,attempt.failed,attempt.succeeded,command.succeeded`;
    const first = await SseClient.open(`${h.apiUrl}${filter}`);
    // One failed attempt, 2 s of backoff, then success: the client drops out during the backoff.
    const cmd = await submit(h.apiUrl, { agentFamily: 'research', action: 'investigate', input: { question: 'Reconnect', scenario: 'status:503:2' } });
    await until('attempt.failed seen', () => first.eventsFor(cmd.commandId).some((e) => e.type === 'attempt.failed'), 60_000);
    await first.close();
    const seen = first.eventsFor(cmd.commandId);
    const lastId = first.frames.at(-1)!.id;

    await workflowResult(h, cmd.workflowId);
    const second = await SseClient.open(`${h.apiUrl}${filter}`, { 'Last-Event-ID': lastId });
    try {
      await until('command.succeeded after reconnect', () => second.eventsFor(cmd.commandId).some((e) => e.type === 'command.succeeded'));
      const all = [...seen, ...second.eventsFor(cmd.commandId)];
      assert.deepEqual(
        all.map((e) => `${e.type}${e.data.attemptNumber ? `#${e.data.attemptNumber}` : ''}`),
        ['command.accepted', 'command.started', 'attempt.started#1', 'attempt.failed#1', 'attempt.started#2', 'attempt.succeeded#2', 'command.succeeded'],
      );
      assert.equal(new Set(all.map((e) => e.id)).size, all.length);
    } finally {
      await second.close();
    }
  });

  it('publishes a fact once however often its activity runs (dedupe key)', async () => {
    const config = parseConfig({ REDIS_KEY_PREFIX: h.redisPrefix });
    const publisher = createEventPublisher(config, h.logger);
    const redis = new Redis(config.REDIS_URL);
    try {
      const ref = { commandId: `dedupe-${Date.now()}`, workflowId: 'wf', traceId: 't' };
      for (let i = 0; i < 3; i++) await publisher.publish(commandEvent('attempt.started', ref, { fact: 1 }));
      await publisher.publish(commandEvent('attempt.started', ref, { fact: 2 }));
      const mine = async () => (await redis.xrange(`${h.redisPrefix}events`, '-', '+')).filter(([, fields]) => fields.join(' ').includes(ref.commandId));
      // publish() resolves once the event is written or buffered (this publisher is still connecting).
      await until('both facts written', async () => (await mine()).length === 2);
      await publisher.publish(commandEvent('attempt.started', ref, { fact: 1 }));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await mine()).length, 2);
    } finally {
      await publisher.close();
      redis.disconnect();
    }
  });

  it('writes each awaited publish before it resolves, back to back and in batches, in order', async () => {
    const config = parseConfig({ REDIS_KEY_PREFIX: h.redisPrefix });
    const publisher = createEventPublisher(config, h.logger);
    const redis = new Redis(config.REDIS_URL);
    try {
      const ref = { commandId: `batch-${Date.now()}`, workflowId: 'wf', traceId: 't' };
      const mine = async () => (await redis.xrange(`${h.redisPrefix}events`, '-', '+')).filter(([, fields]) => fields.join(' ').includes(ref.commandId));
      const event = (n: number) => commandEvent('attempt.started', ref, { fact: n, data: { n } });
      // The first publish may find the publisher still connecting (then it is buffered, not written).
      await publisher.publish(event(0));
      await until('the first event written', async () => (await mine()).length === 1);
      // Back to back: each publish starts while the drain that wrote the previous one is ending.
      for (let i = 1; i <= 5; i++) {
        await publisher.publish(event(i));
        assert.equal((await mine()).length, i + 1, `event ${i} written when its publish resolved`);
      }
      // Many at once go out in pipelined batches, each caller answered when its own is written.
      const many = Array.from({ length: 150 }, (_, i) => 100 + i);
      await Promise.all(many.map((n) => publisher.publish(event(n))));
      const order = (await mine()).map(([, fields]) => (JSON.parse(fields[fields.indexOf('event') + 1]!) as { data: { n: number } }).data.n);
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5, ...many]);
    } finally {
      await publisher.close();
      redis.disconnect();
    }
  });

  it('validates filters and Last-Event-ID, and answers 503 when SSE is switched off', async () => {
    const bad = await request(h.apiUrl, 'GET', '/admin/runtime/events?type=command.exploded');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields[0].path, 'query.type.0');
    const badId = await request(h.apiUrl, 'GET', '/admin/runtime/events', { headers: { 'Last-Event-ID': 'yesterday' } });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.fields[0].path, 'header:Last-Event-ID');
    const off = await h.startApi({ RUNTIME_EVENT_SSE_ENABLED: 'false' });
    try {
      const answer = await request(off.url, 'GET', '/admin/runtime/events');
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error.code, 'sse_disabled');
    } finally {
      await off.close();
    }
  });

  it('50 concurrent clients while 200 commands run all see all their events, as the rows tell them', async function () {
    this.timeout(400_000);
    const api = await h.startApi({});
    const clients = await Promise.all(Array.from({ length: 50 }, () => SseClient.open(`${api.url}/admin/runtime/events?agentFamily=market_insight`)));
    try {
      const commands = await Promise.all(
        Array.from({ length: 200 }, (_, i) => submit(api.url, { agentFamily: 'market_insight', action: 'scan', input: { market: `market ${i}` } })),
      );
      await Promise.all(commands.map((c) => workflowResult(h, c.workflowId)));
      await until(
        'every client saw every command succeed',
        () => clients.every((c) => commands.every((cmd) => c.eventsFor(cmd.commandId).some((e) => e.type === 'command.succeeded'))),
        120_000,
      );
      for (const cmd of commands) {
        // Under load an attempt may legitimately run twice (a completion Temporal lost): the
        // events must tell exactly what the attempt rows tell, to every client alike.
        const rows = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId: cmd.commandId }, orderBy: { attemptNumber: 'asc' } });
        const expected = ['command.accepted', 'command.started', ...rows.flatMap((r) => ['attempt.started', `attempt.${r.status}`]), 'command.succeeded'];
        for (const c of clients) assert.deepEqual(c.eventsFor(cmd.commandId).map((e) => e.type), expected, cmd.commandId);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await api.close();
    }
  });

  it('a client that never reads stays bounded (one batch plus its socket buffer) and is cut off', async function () {
    this.timeout(120_000);
    const api = await h.startApi({ RUNTIME_EVENT_SSE_STALL_MS: '3000' });
    // A raw socket that sends the request and never takes a byte.
    const { port } = new URL(api.url);
    const stuck = net.connect(Number(port), '127.0.0.1');
    stuck.on('error', () => undefined);
    stuck.write(`GET /admin/runtime/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${await adminToken()}\r\n\r\n`);
    stuck.pause();
    await until('the stuck client is connected', async () => (await api.metrics.getSingleMetric('si_sse_clients')!.get()).values[0]?.value === 1);
    let maxBuffered = 0;
    const sampler = setInterval(async () => {
      const value = (await api.metrics.getSingleMetric('si_sse_buffered_bytes_max')!.get()).values[0]?.value ?? 0;
      maxBuffered = Math.max(maxBuffered, value);
    }, 100);
    try {
      // ~10 MB of events (10,000 of 1 kB), far more than the socket buffers hold.
      const filler = { commandId: 'filler', workflowId: 'filler', traceId: 'filler' };
      const padding = 'x'.repeat(1000);
      for (let chunk = 0; chunk < 10; chunk++) {
        await Promise.all(
          Array.from({ length: 1000 }, (_, i) => h.events.publish(commandEvent('step.transition', filler, { fact: `${Date.now()}-${chunk}-${i}`, data: { padding } }))),
        );
      }
      const stalled = await until('the stuck client was cut off', async () => {
        const metric = await api.metrics.getSingleMetric('si_sse_disconnects_total')!.get();
        return metric.values.find((v) => v.labels.reason === 'stalled')?.value;
      }, 60_000);
      assert.equal(stalled, 1);
      // One batch (100 events of ~1.2 kB) plus the socket's own buffer, never the 10 MB.
      assert.ok(maxBuffered > 0 && maxBuffered < 1_000_000, `largest per-client buffer ${maxBuffered} bytes`);
      process.stdout.write(`      largest per-client SSE buffer: ${maxBuffered} bytes\n`);
    } finally {
      clearInterval(sampler);
      stuck.destroy();
      await api.close();
    }
  });

  describe('Redis stopped mid-run', function () {
    const procs: StartedProcess[] = [];
    after(() => procs.forEach((p) => p.child.kill('SIGKILL')));

    it('commands complete; events wait in memory and go out, in order, when Redis returns', async function () {
      this.timeout(240_000);
      const redis = await startPrivateRedis();
      try {
        const env = { ...processEnv(h, `redis-down-${process.pid}`), REDIS_URL: redis.url };
        const { worker, api, apiUrl } = await startRuntimeProcesses(env);
        procs.push(worker, api);

        const cmd = await submit(apiUrl, { agentFamily: 'content', action: 'draft', input: { brief: 'Redis goes away', scenario: 'slow:3000' } });
        await until('attempt started', () => h.standin.callsFor(cmd.commandId).length > 0, 60_000);
        await redis.stop();
        const result = await workflowResult(h, cmd.workflowId);
        assert.equal(result.status, 'succeeded', 'the command completes without Redis');
        await until('the gap is logged', () => worker.output().includes('"events buffered: Redis unavailable"'), 10_000);

        await redis.start();
        await until('publishing resumed', () => worker.output().includes('"event publishing resumed"'), 30_000);
        const client = new Redis(redis.url);
        try {
          const entries = await client.xrange(`${h.redisPrefix}events`, '-', '+');
          const types = entries.map(([, f]) => JSON.parse(f[f.indexOf('event') + 1]!)).filter((e) => e.commandId === cmd.commandId).map((e) => e.type);
          // The Redis that came back is empty (no persistence): what it holds is what was buffered.
          assert.deepEqual(types.slice(-2), ['attempt.succeeded', 'command.succeeded']);
        } finally {
          client.disconnect();
        }
      } finally {
        await redis.stop();
      }
    });
  });
});
