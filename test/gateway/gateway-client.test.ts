/**
 * Contract tests of the OpenClaw adapter against the real pinned gateway (openclaw 2026.9.6) with
 * the AI-provider stand-in behind it. A gateway upgrade that changes a shape or a behaviour the
 * adapter relies on must fail here.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GatewayError, OpenClawGatewayClient } from '../../activities/openclaw/gateway-client';
import { agentSessionKey } from '../../activities/openclaw/protocol';
import { DEFAULT_STANDIN_MODELS } from '../../scripts/gateway/launch';
import { PINNED_OPENCLAW_VERSION } from '../../runtime/config/schema';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture';

const uid = (): string => randomBytes(4).toString('hex');

describe('OpenClaw gateway adapter (real gateway + provider stand-in)', function () {
  this.timeout(180_000);
  let fx: GatewayFixture;
  let client: OpenClawGatewayClient;
  const logged: string[] = [];
  const logger = {
    info: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    warn: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    error: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    debug: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
  };

  before(async function () {
    fx = await startGatewayFixture();
    console.log(`      gateway ready in ${fx.readyMs} ms (pid ${fx.gatewayPid}, ${fx.gatewayUrl})`);
    client = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: fx.token, logger });
  });

  after(async function () {
    await client?.close();
    await fx?.stop();
  });

  it('handshakes with protocol 4 and reports the pinned server version', async function () {
    const hello = await client.connect();
    assert.equal(hello.protocol, 4);
    assert.equal(hello.serverVersion, PINNED_OPENCLAW_VERSION);
  });

  it('rejects a wrong token as an auth error without echoing any token', async function () {
    const bad = `bad-${uid()}-token`;
    const other = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: bad, connectTimeoutMs: 5000 });
    await assert.rejects(other.connect(), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.kind, 'auth');
      assert.ok(!err.message.includes(bad) && !err.message.includes(fx.token));
      return true;
    });
    await other.close();
  });

  let first: Awaited<ReturnType<OpenClawGatewayClient['runAgent']>>;
  const commandId = `abc-${uid()}`;
  const key = `cmd-${commandId}-attempt-1`;
  const request = () => ({
    agentId: 'research',
    sessionKey: agentSessionKey('research', `cmd-${commandId}`),
    message: `Research (investigate): is the market growing? [si-command:${commandId}]`,
    idempotencyKey: key,
    timeoutMs: 90_000,
    waitSliceMs: 2000,
  });

  it('runs an agent turn and reports usage that matches what the provider saw', async function () {
    let progress = 0;
    const t0 = Date.now();
    first = await client.runAgent({ ...request(), onProgress: () => progress++ });
    console.log(`      first run: ${Date.now() - t0} ms, ${progress} wait slice(s), usage ${JSON.stringify(first.usage)}`);

    assert.equal(first.status, 'ok');
    assert.equal(first.runId, key, 'the gateway uses the idempotency key as the runId');
    assert.equal(first.reattached, false);
    assert.equal(first.provider, 'local');
    assert.equal(first.model, 'gemini-standin');
    const answer = JSON.parse(first.text) as { summary: string; findings: string[] };
    assert.match(answer.summary, new RegExp(commandId));
    assert.ok(Array.isArray(answer.findings) && answer.findings.length > 0);

    const calls = fx.standin.callsFor(commandId);
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.status, 200);
    assert.equal(call.model, 'gemini-standin');
    assert.equal(call.stream, true);
    // Observed with 2026.9.6: the gateway reports the provider's own usage numbers unchanged.
    assert.equal(first.usage.output, call.completionTokens);
    assert.equal(first.usage.input, call.promptTokens);
    assert.equal(first.usage.cacheRead, 0);
    assert.equal(first.usage.cacheWrite, 0);
    assert.equal(first.usage.total, first.usage.input + first.usage.output);
    // Cost = tokens x configured USD-per-1M prices of the model.
    const price = DEFAULT_STANDIN_MODELS[0]!.cost;
    const expected = (first.usage.input * price.input + first.usage.output * price.output) / 1e6;
    assert.ok(first.gatewayCostUsd !== null && Math.abs(first.gatewayCostUsd - expected) < 1e-9, `cost ${first.gatewayCostUsd} vs ${expected}`);
    assert.ok(first.durationMs > 0);
  });

  it('returns the finished result for a repeated idempotency key without calling the model again', async function () {
    const t0 = Date.now();
    const again = await client.runAgent(request());
    console.log(`      repeated key: ${Date.now() - t0} ms`);
    assert.equal(again.runId, first.runId);
    assert.equal(again.reattached, true);
    assert.equal(again.text, first.text);
    assert.deepEqual(again.usage, first.usage);
    assert.equal(fx.standin.callsFor(commandId).length, 1);
  });

  it('reattaches to a run that is still in flight', async function () {
    const id = `inflight-${uid()}`;
    const req = {
      agentId: 'content',
      sessionKey: agentSessionKey('content', `cmd-${id}`),
      message: `Content (draft) [si-command:${id}] [si-scenario:slow:2500]`,
      idempotencyKey: `cmd-${id}-attempt-1`,
      timeoutMs: 90_000,
      waitSliceMs: 1000,
    };
    const a = client.runAgent(req);
    await new Promise((r) => setTimeout(r, 500));
    const b = await client.runAgent(req);
    const ra = await a;
    assert.equal(ra.reattached, false);
    assert.equal(b.reattached, true);
    assert.equal(b.runId, ra.runId);
    assert.equal(b.text, ra.text);
    assert.equal(fx.standin.callsFor(id).length, 1);
  });

  it('records later runs as fast (warm gateway)', async function () {
    for (let i = 0; i < 3; i++) {
      const id = `warm-${uid()}`;
      const t0 = Date.now();
      const r = await client.runAgent({
        agentId: 'trend-watch',
        sessionKey: agentSessionKey('trend-watch', `cmd-${id}`),
        message: `Trend watch (scan) [si-command:${id}]`,
        idempotencyKey: `cmd-${id}-attempt-1`,
        timeoutMs: 60_000,
      });
      assert.equal(r.status, 'ok');
      console.log(`      later run ${i + 1}: ${Date.now() - t0} ms`);
    }
  });

  it('lets the gateway retry a transient provider 500 by itself (one run, two provider calls)', async function () {
    const id = `retry-${uid()}`;
    const r = await client.runAgent({
      agentId: 'market-insight',
      sessionKey: agentSessionKey('market-insight', `cmd-${id}`),
      message: `Market insight (scan) [si-command:${id}] [si-scenario:status:500:1]`,
      idempotencyKey: `cmd-${id}-attempt-1`,
      timeoutMs: 90_000,
    });
    assert.equal(r.status, 'ok');
    const calls = fx.standin.callsFor(id);
    assert.deepEqual(calls.map((c) => c.status), [500, 200]);
    // Usage is that of the successful call only (the failed call had none).
    assert.equal(r.usage.output, calls[1]!.completionTokens);
  });

  it('aborts a running turn in the gateway when the signal fires', async function () {
    const id = `abort-${uid()}`;
    const ac = new AbortController();
    const reason = new Error('cancelled by test');
    const req = {
      agentId: 'content',
      sessionKey: agentSessionKey('content', `cmd-${id}`),
      message: `Content (draft) [si-command:${id}] [si-scenario:slow:30000]`,
      idempotencyKey: `cmd-${id}-attempt-1`,
      timeoutMs: 90_000,
      waitSliceMs: 1000,
      signal: ac.signal,
    };
    const p = client.runAgent(req);
    // Abort once the provider has been called.
    const deadline = Date.now() + 30_000;
    while (fx.standin.callsFor(id).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    ac.abort(reason);
    await assert.rejects(p, (err: unknown) => err === reason);
    // The gateway ended the run: a repeated key reports it as not ok, and the provider call was cut.
    await assert.rejects(client.runAgent({ ...req, signal: undefined, timeoutMs: 20_000 }), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.kind, 'run_failed');
      return true;
    });
    const deadline2 = Date.now() + 10_000;
    while (fx.standin.callsFor(id)[0]?.status !== 499 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
    assert.equal(fx.standin.callsFor(id)[0]?.status, 499);
  });

  it('never logs the token', function () {
    assert.ok(logged.length > 0);
    assert.ok(!logged.some((l) => l.includes(fx.token)));
  });
});
