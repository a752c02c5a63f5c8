/**
 * Transport behaviour of OpenClawGatewayClient against a scripted in-process WebSocket peer that
 * speaks the frames observed from openclaw 2026.9.6 (see activities/openclaw/README.md): per-RPC
 * timeouts, connect retries (UNAVAILABLE + retryAfterMs, refused socket with backoff),
 * back-pressure (FIFO, abort and timeout while queued), reconnect during a wait, gateway restart
 * (boot id change), terminal `timeout` from agent.wait. Fast and deterministic; the same
 * behaviours against the real gateway are in gateway-client.test.ts / gateway-lifecycle.test.ts.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { classifyGatewayFailure } from '../../activities/openclaw/failure-classification';
import { CLIENT_ERROR_CODES, GatewayError, OpenClawGatewayClient, type RunAgentRequest } from '../../activities/openclaw/gateway-client';
import { freePort } from '../support/gateway-fixture';

interface FakeRun {
  runId: string;
  reqId: string;
  ws: WebSocket;
  done: boolean;
  finish(): void;
}

type Handler = (ws: WebSocket, id: string, params: Record<string, unknown>) => boolean | void;

/** A scripted gateway peer. `handlers[method]` returning true means "handled". */
class FakeGateway {
  readonly server: WebSocketServer;
  bootId = randomUUID();
  connects = 0;
  /** Answers for the next connects, e.g. UNAVAILABLE while "booting". */
  connectErrors: object[] = [];
  readonly methods: string[] = [];
  readonly runs = new Map<string, FakeRun>();
  readonly handlers: Record<string, Handler> = {};
  /** Runs finish by themselves after this many ms (null = only when finish() is called). */
  autoFinishMs: number | null = null;
  readonly sockets = new Set<WebSocket>();

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (ws) => this.onConnection(ws));
  }

  static async start(port = 0): Promise<FakeGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new FakeGateway(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(ws: WebSocket, frame: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    this.send(ws, { type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } });
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { id: string; method: string; params: Record<string, unknown> };
      this.methods.push(f.method);
      if (f.method === 'connect') {
        this.connects++;
        const err = this.connectErrors.shift();
        if (err) return this.send(ws, { type: 'res', id: f.id, ok: false, error: err });
        return this.send(ws, {
          type: 'res', id: f.id, ok: true,
          payload: { type: 'hello-ok', protocol: 4, server: { version: '2026.9.6', connId: randomUUID(), bootId: this.bootId }, features: {}, snapshot: {} },
        });
      }
      if (this.handlers[f.method]?.(ws, f.id, f.params)) return;
      if (f.method === 'agent') return this.onAgent(ws, f.id, f.params);
      if (f.method === 'agent.wait') return this.onWait(ws, f.id, f.params);
      if (f.method === 'sessions.abort') return this.send(ws, { type: 'res', id: f.id, ok: true, payload: { ok: true, status: 'aborted' } });
      if (f.method === 'sessions.patch') {
        const [provider, ...rest] = String(f.params.model).split('/');
        return this.send(ws, { type: 'res', id: f.id, ok: true, payload: { ok: true, key: f.params.key, resolved: { modelProvider: provider, model: rest.join('/') } } });
      }
      // As the gateway answers a method it does not know (or a caller without its scope).
      this.send(ws, { type: 'res', id: f.id, ok: false, error: { code: 'INVALID_REQUEST', message: `unknown method: ${f.method}` } });
    });
  }

  final(runId: string): object {
    return {
      runId, status: 'ok', summary: 'completed',
      result: { payloads: [{ text: `{"summary":"${runId}","findings":[]}` }], meta: { durationMs: 5, agentMeta: { provider: 'p', model: 'm', usage: { input: 10, output: 2, total: 12 } } } },
    };
  }

  private onAgent(ws: WebSocket, id: string, params: Record<string, unknown>): void {
    const runId = String(params.idempotencyKey);
    const known = this.runs.get(runId);
    if (known) {
      return this.send(ws, { type: 'res', id, ok: true, payload: known.done ? this.final(runId) : { runId, status: 'in_flight' } });
    }
    const run: FakeRun = {
      runId, reqId: id, ws, done: false,
      finish: () => {
        if (run.done) return;
        run.done = true;
        this.send(run.ws, { type: 'res', id: run.reqId, ok: true, payload: this.final(runId) });
      },
    };
    this.runs.set(runId, run);
    this.send(ws, { type: 'res', id, ok: true, payload: { runId, status: 'accepted', acceptedAt: Date.now() } });
    if (this.autoFinishMs !== null) setTimeout(() => run.finish(), this.autoFinishMs);
  }

  private onWait(ws: WebSocket, id: string, params: Record<string, unknown>): void {
    const runId = String(params.runId);
    const timeoutMs = Number(params.timeoutMs ?? 1000);
    const t0 = Date.now();
    const poll = (): void => {
      const run = this.runs.get(runId);
      if (run?.done) return this.send(ws, { type: 'res', id, ok: true, payload: { runId, status: 'ok', endedAt: Date.now() } });
      if (Date.now() - t0 >= timeoutMs) return this.send(ws, { type: 'res', id, ok: true, payload: { runId, status: 'timeout' } });
      setTimeout(poll, 10);
    };
    poll();
  }

  dropConnections(): void {
    for (const s of this.sockets) s.terminate();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const run = (key: string, extra: Partial<RunAgentRequest> = {}): RunAgentRequest => ({
  agentId: 'research',
  sessionKey: `agent:research:${key}`,
  message: 'hello',
  idempotencyKey: key,
  timeoutMs: 10_000,
  waitSliceMs: 200,
  ...extra,
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('OpenClaw client transport (scripted gateway peer)', function () {
  this.timeout(30_000);
  let gw: FakeGateway;
  let client: OpenClawGatewayClient | null = null;

  beforeEach(async () => {
    gw = await FakeGateway.start();
  });
  afterEach(async () => {
    await client?.close();
    client = null;
    await gw.close();
  });

  it('times out one RPC that gets no answer (RPC_TIMEOUT, classed transient)', async () => {
    gw.handlers.agent = () => true; // swallow
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456', requestTimeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(client.runAgent(run('k1')), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.kind, 'timeout');
      assert.equal(err.code, CLIENT_ERROR_CODES.RPC_TIMEOUT);
      assert.equal(classifyGatewayFailure(err).errorClass, 'transient');
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took >= 280 && took < 3000, `took ${took} ms`);
    assert.equal(client.inFlightRuns(), 0, 'the slot is released on failure');
  });

  it('retries connect after UNAVAILABLE with the retryAfterMs the gateway gave', async () => {
    gw.connectErrors.push(
      { code: 'UNAVAILABLE', message: 'gateway starting', retryable: true, retryAfterMs: 150 },
      { code: 'UNAVAILABLE', message: 'gateway starting', retryable: true, retryAfterMs: 150 },
    );
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456', connectTimeoutMs: 5000 });
    const t0 = Date.now();
    const hello = await client.connect();
    assert.equal(gw.connects, 3);
    assert.ok(Date.now() - t0 >= 280, 'waited retryAfterMs twice');
    assert.equal(hello.bootId, gw.bootId);
  });

  it('connect against a gateway that is down fails as transient, then succeeds once it is up (backoff)', async () => {
    const port = await freePort();
    client = new OpenClawGatewayClient({ url: `ws://127.0.0.1:${port}`, token: 'test-token-123456', connectTimeoutMs: 600, reconnectBaseMs: 50 });
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.kind, 'connection');
      assert.equal(classifyGatewayFailure(err).errorClass, 'transient');
      return true;
    });
    // Comes up while a connect is retrying.
    const c2 = new OpenClawGatewayClient({ url: `ws://127.0.0.1:${port}`, token: 'test-token-123456', connectTimeoutMs: 10_000, reconnectBaseMs: 50 });
    const pending = c2.connect();
    await new Promise((r) => setTimeout(r, 400));
    const late = await FakeGateway.start(port);
    try {
      const hello = await pending;
      assert.equal(hello.protocol, 4);
    } finally {
      await c2.close();
      await late.close();
    }
  });

  it('applies back-pressure: at most maxConcurrentRuns in the gateway, the rest FIFO; abort and timeout while queued', async () => {
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456', maxConcurrentRuns: 2 });
    const c = client;
    const p1 = c.runAgent(run('r1'));
    const p2 = c.runAgent(run('r2'));
    const p3 = c.runAgent(run('r3'));
    const ac = new AbortController();
    const p4 = c.runAgent(run('r4', { signal: ac.signal }));
    const p5 = c.runAgent(run('r5'));
    const p6 = c.runAgent(run('r6', { timeoutMs: 300 }));
    await until(() => gw.runs.size === 2);
    assert.equal(c.inFlightRuns(), 2);
    assert.equal(c.queuedRuns(), 4);
    assert.deepEqual([...gw.runs.keys()], ['r1', 'r2']);

    const reason = new Error('cancelled while queued');
    ac.abort(reason);
    await assert.rejects(p4, (e: unknown) => e === reason);
    await assert.rejects(p6, (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, CLIENT_ERROR_CODES.QUEUE_TIMEOUT);
      assert.equal(classifyGatewayFailure(e).errorClass, 'timeout');
      return true;
    });
    assert.equal(c.queuedRuns(), 2);

    gw.runs.get('r2')!.finish();
    const r2 = await p2;
    assert.equal(r2.runId, 'r2');
    await until(() => gw.runs.has('r3'));
    assert.equal(c.inFlightRuns(), 2);
    gw.autoFinishMs = 20;
    gw.runs.get('r1')!.finish();
    gw.runs.get('r3')!.finish();
    const rest = await Promise.all([p1, p3, p5]);
    assert.deepEqual(rest.map((r) => r.runId), ['r1', 'r3', 'r5']);
    assert.deepEqual([...gw.runs.keys()], ['r1', 'r2', 'r3', 'r5'], 'FIFO; aborted and timed-out runs were never sent');
    assert.ok((rest[2]!.queuedMs ?? 0) > 0);
    assert.equal(c.inFlightRuns(), 0);
    assert.equal(c.queuedRuns(), 0);
  });

  it('sets the session model before the run (sessions.patch) when `model` is given', async () => {
    gw.autoFinishMs = 20;
    const patches: Record<string, unknown>[] = [];
    gw.handlers['sessions.patch'] = (ws, id, params) => {
      patches.push(params);
      gw.send(ws, { type: 'res', id, ok: true, payload: { ok: true, resolved: { modelProvider: 'claude-standin', model: 'claude-sonnet-4-5' } } });
      return true;
    };
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456' });
    await client.runAgent(run('m1', { model: 'claude-standin/claude-sonnet-4-5' }));
    assert.deepEqual(patches, [{ key: 'agent:research:m1', agentId: 'research', model: 'claude-standin/claude-sonnet-4-5' }]);
    // agents.list unreadable (this peer refuses it): every run pins.
    assert.deepEqual(gw.methods.filter((m) => m !== 'connect').slice(0, 3), ['agents.list', 'sessions.patch', 'agent']);
    // A refused model is an internal (configuration) failure and nothing is run.
    gw.handlers['sessions.patch'] = (ws, id) => {
      gw.send(ws, { type: 'res', id, ok: false, error: { code: 'INVALID_REQUEST', message: 'Unknown provider "nope". Use /models to list providers.' } });
      return true;
    };
    await assert.rejects(client.runAgent(run('m2', { model: 'nope/x' })), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, CLIENT_ERROR_CODES.MODEL_REJECTED);
      assert.equal(classifyGatewayFailure(e).errorClass, 'internal');
      return true;
    });
    assert.ok(!gw.runs.has('m2'));
  });

  it("skips sessions.patch for the agent's primary when agents.list shows no fallback models for it", async () => {
    gw.autoFinishMs = 20;
    gw.handlers['agents.list'] = (ws, id) => {
      gw.send(ws, { type: 'res', id, ok: true, payload: { defaultId: 'research', mainKey: 'main', agents: [{ id: 'research', model: { primary: 'p/m' } }] } });
      return true;
    };
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456' });
    await client.runAgent(run('u1', { model: 'p/m' }));
    await client.runAgent(run('u2', { model: 'p/other' }));
    assert.deepEqual(gw.methods.filter((m) => m !== 'connect' && m !== 'agent.wait'), ['agents.list', 'agent', 'sessions.patch', 'agent']);
  });

  it('keeps waiting across a dropped socket (same boot), fails on a gateway restart (new boot id)', async () => {
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456', reconnectBaseMs: 50 });
    const a = client.runAgent(run('d1'));
    await until(() => gw.runs.has('d1'));
    gw.dropConnections();
    await until(() => gw.connects >= 2);
    gw.runs.get('d1')!.finish();
    const ra = await a;
    assert.equal(ra.runId, 'd1');

    const b = client.runAgent(run('d2'));
    await until(() => gw.runs.has('d2'));
    gw.bootId = randomUUID();
    gw.dropConnections();
    await assert.rejects(b, (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, CLIENT_ERROR_CODES.GATEWAY_RESTARTED);
      assert.equal(classifyGatewayFailure(e).errorClass, 'transient');
      return true;
    });
  });

  it('treats agent.wait `timeout` with an end as terminal (gateway timed the run out)', async () => {
    const text = 'The model did not produce a response before the model idle timeout. Please try again.';
    gw.handlers['agent.wait'] = (ws, id, params) => {
      gw.send(ws, { type: 'res', id, ok: true, payload: { runId: params.runId, status: 'timeout', endedAt: Date.now(), error: text, timeoutPhase: 'provider' } });
      return true;
    };
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456' });
    await assert.rejects(client.runAgent(run('t1')), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.kind, 'run_failed');
      assert.equal(classifyGatewayFailure(e).errorClass, 'timeout');
      return true;
    });
  });

  it('reads a repeated key of a failed run (ok:false + run payload) as the run failure, not an unavailable gateway', async () => {
    const text = '⚠️ p/m request failed (provider internal error, HTTP 503). This is usually temporary — try again shortly.';
    gw.handlers.agent = (ws, id, params) => {
      gw.send(ws, { type: 'res', id, ok: false, payload: { runId: params.idempotencyKey, status: 'error', summary: text }, error: { code: 'UNAVAILABLE', message: text } });
      return true;
    };
    client = new OpenClawGatewayClient({ url: gw.url, token: 'test-token-123456' });
    await assert.rejects(client.runAgent(run('f1')), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.kind, 'run_failed');
      const c = classifyGatewayFailure(e);
      assert.equal(c.errorClass, 'provider_unavailable');
      assert.equal(c.retryable, true);
      return true;
    });
  });
});
