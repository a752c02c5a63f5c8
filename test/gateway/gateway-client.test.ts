/**
 * Contract tests of the OpenClaw adapter against the real pinned gateway (openclaw 2026.9.6) with
 * the AI-provider stand-in behind it (three providers: gemini-standin, claude-standin,
 * openai-standin). A gateway upgrade that changes a shape, a behaviour or a failure text the
 * adapter relies on must fail here.
 *
 * One gateway of this file's own (not the fixture the integration suites share), because the
 * last part crashes and restarts it and then provokes provider 401/403, after which the gateway
 * disables that provider's key for about a minute. Most runs use the `research` agent: the first
 * run of each gateway agent after a start costs ~10 s (agent database set-up), later ones ~1 s.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classifyGatewayFailure } from '../../activities/openclaw/failure-classification';
import { CLIENT_ERROR_CODES, GatewayError, OpenClawGatewayClient, type RunAgentRequest } from '../../activities/openclaw/gateway-client';
import { agentSessionKey, CLIENT_CAPS } from '../../activities/openclaw/protocol';
import { AGENT_FAMILIES } from '../../runtime/agents/registry';
import { PINNED_OPENCLAW_VERSION } from '../../runtime/config/schema';
import type { FailureClass } from '../../runtime/failures';
import { costUsd, PRICE_TABLE, priceFor } from '../../runtime/pricing';
import { STANDIN_PROVIDER_IDS } from '../../scripts/gateway/launch';
import type { StandinCall } from '../../scripts/provider-standin/server';
import { startGatewayInstance, type GatewayInstance } from '../support/gateway-fixture';
import { listenToGatewayEvents } from '../support/gateway-event-listener';

const uid = (): string => randomBytes(4).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function poll(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('OpenClaw gateway adapter (real gateway + provider stand-in)', function () {
  this.timeout(180_000);
  let fx: GatewayInstance;
  let client: OpenClawGatewayClient;
  const logged: string[] = [];
  const logger = {
    info: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    warn: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    error: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
    debug: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
  };

  /** One run request on a fresh session; `scenario` goes into the prompt as the stand-in marker. */
  const runReq = (agentId: string, scenario: string | null, extra: Partial<RunAgentRequest> = {}): RunAgentRequest & { id: string } => {
    const id = `${agentId}-${uid()}`;
    return {
      id,
      agentId,
      sessionKey: agentSessionKey(agentId, `cmd-${id}`),
      message: `Test turn [si-command:${id}]${scenario ? ` [si-scenario:${scenario}]` : ''}`,
      idempotencyKey: `cmd-${id}-a1`,
      timeoutMs: 90_000,
      waitSliceMs: 2000,
      ...extra,
    };
  };

  /** Runs and expects a failure; returns the classification. */
  async function failureOf(req: RunAgentRequest): Promise<{ err: GatewayError; cls: ReturnType<typeof classifyGatewayFailure>; ms: number }> {
    const t0 = Date.now();
    try {
      await client.runAgent(req);
    } catch (e) {
      assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
      return { err: e, cls: classifyGatewayFailure(e), ms: Date.now() - t0 };
    }
    throw new Error('the run succeeded but a failure was expected');
  }

  const statuses = (calls: StandinCall[]): string[] => calls.map((c) => `${c.provider}:${c.status}`);

  before(async function () {
    fx = await startGatewayInstance({ start: false });
    const readyMs = await fx.start();
    console.log(`      gateway ready in ${readyMs} ms (pid ${fx.running?.pid}, ${fx.gatewayUrl})`);
    // A generous connect budget: the restart test expects to see the gateway come back.
    client = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: fx.token, logger, connectTimeoutMs: 90_000, reconnectMaxMs: 1000 });
  });

  after(async function () {
    await client?.close();
    await fx?.stop();
  });

  describe('compatibility', function () {
    it('handshakes with protocol 4, reports the pinned server version and a boot id', async function () {
      const hello = await client.connect();
      assert.equal(hello.protocol, 4);
      assert.equal(hello.serverVersion, PINNED_OPENCLAW_VERSION);
      assert.match(hello.bootId ?? '', /^[0-9a-f-]{36}$/, 'hello-ok server.bootId (restart detection relies on it)');
    });

    it('rejects a wrong token as an auth error without echoing any token', async function () {
      const bad = `bad-${uid()}-token`;
      const other = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: bad, connectTimeoutMs: 5000 });
      await assert.rejects(other.connect(), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.kind, 'auth');
        assert.equal(classifyGatewayFailure(err).errorClass, 'auth');
        assert.ok(!err.message.includes(bad) && !err.message.includes(fx.token));
        return true;
      });
      await other.close();
    });

    let first: Awaited<ReturnType<OpenClawGatewayClient['runAgent']>>;
    const req = runReq('research', null);

    it("runs an agent turn on the agent's configured primary and reports usage exactly as the provider did", async function () {
      let progress = 0;
      const t0 = Date.now();
      first = await client.runAgent({ ...req, onProgress: () => progress++ });
      console.log(`      first run: ${Date.now() - t0} ms, ${progress} wait slice(s), usage ${JSON.stringify(first.usage)}`);

      assert.equal(first.status, 'ok');
      assert.equal(first.runId, req.idempotencyKey, 'the gateway uses the idempotency key as the runId');
      assert.equal(first.reattached, false);
      // No `model`: the agent's primary as configured from runtime/agents/registry.ts.
      assert.equal(`${first.provider}/${first.model}`, AGENT_FAMILIES.research.defaultModels.primary);
      const answer = JSON.parse(first.text) as { summary: string; findings: string[] };
      assert.match(answer.summary, new RegExp(req.id));
      assert.ok(Array.isArray(answer.findings) && answer.findings.length > 0);

      const calls = fx.standin.callsFor(req.id);
      assert.equal(calls.length, 1);
      const call = calls[0]!;
      assert.equal(call.status, 200);
      assert.equal(call.provider, 'gemini');
      assert.equal(call.model, first.model);
      assert.equal(call.stream, true);
      // Observed with 2026.9.6: the gateway reports the provider's own usage numbers unchanged.
      assert.equal(first.usage.output, call.completionTokens);
      assert.equal(first.usage.input, call.promptTokens);
      assert.equal(first.usage.cacheRead, 0);
      assert.equal(first.usage.cacheWrite, 0);
      assert.equal(first.usage.total, first.usage.input + first.usage.output);
      // The gateway's cost = tokens x the configured prices = runtime/pricing.ts's (same table).
      const ours = costUsd(priceFor(first.provider, first.model), first.usage.input, first.usage.output);
      assert.ok(first.gatewayCostUsd !== null && Math.abs(first.gatewayCostUsd - ours) < 1e-6, `gateway cost ${first.gatewayCostUsd} vs ours ${ours}`);
      assert.ok(first.durationMs > 0);
    });

    it('returns the finished result for a repeated idempotency key without calling the model again', async function () {
      const t0 = Date.now();
      const again = await client.runAgent(req);
      console.log(`      repeated key: ${Date.now() - t0} ms`);
      assert.equal(again.runId, first.runId);
      assert.equal(again.reattached, true);
      assert.equal(again.text, first.text);
      assert.deepEqual(again.usage, first.usage);
      assert.equal(fx.standin.callsFor(req.id).length, 1);
    });

    it('reattaches to a run that is still in flight (also with a model: the repeated sessions.patch is harmless)', async function () {
      const r = runReq('research', 'slow:2500', { waitSliceMs: 1000, model: 'claude-standin/claude-sonnet-4-5' });
      const a = client.runAgent(r);
      await poll(() => fx.standin.callsFor(r.id).length > 0, 60_000, 'the provider call');
      const b = await client.runAgent(r);
      const ra = await a;
      assert.equal(ra.reattached, false);
      assert.equal(b.reattached, true);
      assert.equal(b.runId, ra.runId);
      assert.equal(b.text, ra.text);
      assert.equal(b.model, 'claude-sonnet-4-5');
      assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['claude:200']);
    });

    it('records later runs as fast (warm gateway)', async function () {
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const r = await client.runAgent(runReq('research', null, { timeoutMs: 60_000 }));
        assert.equal(r.status, 'ok');
        console.log(`      later run ${i + 1}: ${Date.now() - t0} ms`);
      }
    });

    it("with the adapter's caps (session-scoped-events), a connection gets no agent or chat stream of the runs", async function () {
      const scoped = await listenToGatewayEvents(fx.gatewayUrl, fx.token, CLIENT_CAPS);
      // The control: without the cap every operator connection gets every run's stream.
      const unscoped = await listenToGatewayEvents(fx.gatewayUrl, fx.token, []);
      try {
        await Promise.all([client.runAgent(runReq('research', null)), client.runAgent(runReq('research', null))]);
        await sleep(200);
        const streams = (c: Record<string, number>) => (c.agent ?? 0) + (c.chat ?? 0);
        assert.ok(streams(unscoped.counts()) > 0, `the control connection got no stream events: ${JSON.stringify(unscoped.counts())}`);
        assert.equal(streams(scoped.counts()), 0, `stream events on the scoped connection: ${JSON.stringify(scoped.counts())}`);
      } finally {
        scoped.close();
        unscoped.close();
      }
    });

    it('reports usage exactly as the provider gave it (usage:<in>:<out>)', async function () {
      const r = runReq('research', 'usage:4321:123');
      const res = await client.runAgent(r);
      assert.deepEqual(res.usage, { input: 4321, output: 123, cacheRead: 0, cacheWrite: 0, total: 4444 });
      const price = PRICE_TABLE[`${res.provider}/${res.model}`]!;
      assert.ok(Math.abs((res.gatewayCostUsd ?? NaN) - (4321 * price.inputPerMillion + 123 * price.outputPerMillion) / 1e6) < 1e-9);
    });

    it('returns non-JSON answer text as it is (badjson; the executor classes it invalid_output)', async function () {
      const res = await client.runAgent(runReq('research', 'badjson'));
      assert.equal(res.status, 'ok');
      assert.match(res.text, /deliberately not JSON/);
      assert.throws(() => JSON.parse(res.text) as unknown);
    });

    it('aborts a running turn in the gateway when the signal fires', async function () {
      const ac = new AbortController();
      const reason = new Error('cancelled by test');
      const r = runReq('research', 'slow:30000', { waitSliceMs: 1000, signal: ac.signal });
      const p = client.runAgent(r);
      await poll(() => fx.standin.callsFor(r.id).length > 0, 60_000, 'the provider call');
      ac.abort(reason);
      await assert.rejects(p, (err: unknown) => err === reason);
      assert.equal(client.inFlightRuns(), 0, 'the slot is released on abort');
      // The gateway ended the run: a repeated key reports it as not ok, and the provider call was cut.
      const { err, cls } = await failureOf({ ...r, signal: undefined, timeoutMs: 20_000 });
      assert.equal(err.kind, 'run_failed');
      assert.equal(err.code, 'timeout');
      assert.match(err.message, /stopReason rpc/);
      assert.equal(cls.errorClass, 'transient');
      await poll(() => fx.standin.callsFor(r.id)[0]?.status === 499, 10_000, 'the cut provider call');
    });
  });

  describe('provider per attempt (model)', function () {
    for (const ref of ['claude-standin/claude-sonnet-4-5', 'openai-standin/gpt-5-mini', 'gemini-standin/gemini-2.5-flash']) {
      it(`runs exactly ${ref} and reports it`, async function () {
        const r = runReq('research', null, { model: ref });
        const res = await client.runAgent(r);
        assert.equal(`${res.provider}/${res.model}`, ref);
        const [providerId, modelId] = ref.split('/') as [string, string];
        const standinName = Object.entries(STANDIN_PROVIDER_IDS).find(([, v]) => v === providerId)![0];
        const calls = fx.standin.callsFor(r.id);
        assert.deepEqual(statuses(calls), [`${standinName}:200`]);
        assert.equal(calls[0]!.model, modelId);
        const ours = costUsd(priceFor(res.provider, res.model), res.usage.input, res.usage.output);
        assert.ok(res.gatewayCostUsd !== null && Math.abs(res.gatewayCostUsd - ours) < 1e-6, `gateway cost ${res.gatewayCostUsd} vs ours ${ours}`);
      });
    }

    it("pins a model on the session only when it is not the agent's primary (the gateway has no fallbacks for it, so the primary runs unpinned)", async function () {
      const primary = AGENT_FAMILIES.research.defaultModels.primary;
      const other = primary === 'claude-standin/claude-sonnet-4-5' ? 'openai-standin/gpt-5-mini' : 'claude-standin/claude-sonnet-4-5';
      const pinnedOn = (r: RunAgentRequest) => logged.some((l) => l.startsWith('session model selected') && l.includes(JSON.stringify(r.sessionKey)));
      const a = runReq('research', null, { model: primary });
      const ra = await client.runAgent(a);
      assert.equal(`${ra.provider}/${ra.model}`, primary);
      assert.equal(pinnedOn(a), false, 'the primary ran without sessions.patch');
      const b = runReq('research', null, { model: other });
      const rb = await client.runAgent(b);
      assert.equal(`${rb.provider}/${rb.model}`, other);
      assert.equal(pinnedOn(b), true, 'another model is pinned');
    });

    it('does not fall back inside the gateway: a failing selected provider fails the run, others are not called', async function () {
      const scenario = 'status:503:9@gemini';
      const g = runReq('research', scenario, { model: 'gemini-standin/gemini-2.5-flash' });
      const { cls } = await failureOf(g);
      assert.equal(cls.errorClass, 'provider_unavailable');
      assert.ok(fx.standin.callsFor(g.id).every((c) => c.provider === 'gemini' && c.status === 503), JSON.stringify(statuses(fx.standin.callsFor(g.id))));
      // The same scenario with the next model of the chain answers: what the runtime's fallback will do.
      const c = runReq('research', scenario, { model: 'claude-standin/claude-sonnet-4-5' });
      const res = await client.runAgent(c);
      assert.equal(res.provider, 'claude-standin');
      assert.deepEqual(statuses(fx.standin.callsFor(c.id)), ['claude:200']);
    });
  });

  describe('failure classes as the real gateway reports them', function () {
    const expectClass = (cls: ReturnType<typeof classifyGatewayFailure>, errorClass: FailureClass, retryable: boolean): void => {
      assert.equal(cls.errorClass, errorClass, cls.message);
      assert.equal(cls.retryable, retryable);
    };

    it('429 with Retry-After -> rate_limited with retryAfterMs (after one gateway retry)', async function () {
      const r = runReq('research', 'status:429:9:2', { model: 'openai-standin/gpt-5' });
      const { err, cls, ms } = await failureOf(r);
      console.log(`      429: ${ms} ms; "${err.gatewayMessage}"`);
      expectClass(cls, 'rate_limited', true);
      assert.equal(cls.retryAfterMs, 2000);
      assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['openai:429', 'openai:429'], 'gateway retried once (retry.provider.maxRetries = 1)');
    });

    for (const code of [500, 503]) {
      it(`${code} repeated -> provider_unavailable (after one gateway retry)`, async function () {
        const r = runReq('research', `status:${code}`, { model: 'gemini-standin/gemini-2.5-pro' });
        const { err, cls, ms } = await failureOf(r);
        console.log(`      ${code}: ${ms} ms; "${err.gatewayMessage}"`);
        expectClass(cls, 'provider_unavailable', true);
        assert.match(err.gatewayMessage ?? '', new RegExp(`gemini-standin/gemini-2.5-pro request failed \\(provider internal error, HTTP ${code}\\)`));
        assert.deepEqual(statuses(fx.standin.callsFor(r.id)), [`gemini:${code}`, `gemini:${code}`]);
      });
    }

    it('a single 502 is absorbed by the gateway retry (one run, two provider calls)', async function () {
      const r = runReq('research', 'status:502:1', { model: 'gemini-standin/gemini-2.5-pro' });
      const res = await client.runAgent(r);
      const calls = fx.standin.callsFor(r.id);
      assert.deepEqual(statuses(calls), ['gemini:502', 'gemini:200']);
      assert.equal(res.usage.output, calls[1]!.completionTokens, 'usage is that of the successful call only');
    });

    it('400 -> invalid_input (not retried by the gateway)', async function () {
      const r = runReq('research', 'status:400', { model: 'claude-standin/claude-haiku-4-5' });
      const { err, cls } = await failureOf(r);
      expectClass(cls, 'invalid_input', false);
      assert.equal(err.gatewayMessage, 'LLM request failed: provider rejected the request schema or tool payload.');
      assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['claude:400']);
    });

    it('404 (model unknown to the provider) -> provider_unavailable', async function () {
      const r = runReq('research', 'status:404', { model: 'claude-standin/claude-haiku-4-5' });
      const { err, cls } = await failureOf(r);
      expectClass(cls, 'provider_unavailable', true);
      assert.match(err.gatewayMessage ?? '', /model was not found by the provider/);
    });

    it('a stream dropped mid-answer, twice -> timeout (2026.9.6 says "LLM request timed out."); once -> absorbed', async function () {
      const r = runReq('research', 'drop', { model: 'gemini-standin/gemini-2.5-flash' });
      const { err, cls } = await failureOf(r);
      expectClass(cls, 'timeout', true);
      assert.equal(err.gatewayMessage, 'LLM request timed out.');
      assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['gemini:599', 'gemini:599']);
      const once = runReq('research', 'drop:1', { model: 'gemini-standin/gemini-2.5-flash' });
      await client.runAgent(once);
      assert.deepEqual(statuses(fx.standin.callsFor(once.id)), ['gemini:599', 'gemini:200']);
    });

    it('a provider that hangs, with a short attempt budget -> timeout (RUN_TIMEOUT; the run goes on until aborted)', async function () {
      const r = runReq('research', 'hang', { timeoutMs: 3000, waitSliceMs: 1000 });
      const { err, cls, ms } = await failureOf(r);
      expectClass(cls, 'timeout', true);
      assert.equal(err.code, CLIENT_ERROR_CODES.RUN_TIMEOUT);
      assert.ok(ms >= 2900 && ms < 10_000, `took ${ms} ms`);
      // The run is still going in the gateway (a retry with the same key would reattach); end it.
      await client.abortRun({ key: r.sessionKey, runId: r.idempotencyKey, agentId: r.agentId });
      const after = await failureOf({ ...r, timeoutMs: 20_000 });
      assert.match(after.err.message, /stopReason rpc/, 'the gateway ended the run on the abort');
      await poll(() => fx.standin.callsFor(r.id).every((c) => c.endedAt !== null), 20_000, 'no provider call left open');
    });

    it('unknown agent -> internal (protocol)', async function () {
      const r = runReq('no-such-agent', null);
      const { err, cls } = await failureOf(r);
      expectClass(cls, 'internal', true);
      assert.equal(err.kind, 'protocol');
      assert.equal(err.code, 'INVALID_REQUEST');
      assert.match(err.gatewayMessage ?? '', /unknown agent id "no-such-agent"/);
    });

    it('a model ref the gateway does not know -> internal (MODEL_REJECTED), nothing run', async function () {
      const r = runReq('research', null, { model: 'mistral/large' });
      const { err, cls } = await failureOf(r);
      expectClass(cls, 'internal', true);
      assert.equal(err.code, CLIENT_ERROR_CODES.MODEL_REJECTED);
      assert.match(err.gatewayMessage ?? '', /Unknown provider "mistral"/);
      assert.equal(fx.standin.callsFor(r.id).length, 0);
    });

    it('a repeated key of a failed run reports the same failure class without calling the model', async function () {
      const r = runReq('research', 'status:503', { model: 'openai-standin/gpt-5' });
      const firstTry = await failureOf(r);
      const again = await failureOf(r);
      assert.equal(again.cls.errorClass, firstTry.cls.errorClass);
      assert.equal(again.err.kind, 'run_failed');
      assert.equal(fx.standin.callsFor(r.id).length, 2, 'no new provider call');
    });
  });

  describe('back-pressure', function () {
    it('with maxConcurrentRuns=2, 6 concurrent runs never have more than 2 in the gateway', async function () {
      const bp = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: fx.token, maxConcurrentRuns: 2 });
      try {
        const reqs = Array.from({ length: 6 }, () => runReq('research', 'slow:800', { model: 'gemini-standin/gemini-2.5-flash', waitSliceMs: 1000 }));
        const ids = new Set(reqs.map((r) => r.id));
        let maxInFlight = 0;
        let maxQueued = 0;
        const sampler = setInterval(() => {
          maxInFlight = Math.max(maxInFlight, bp.inFlightRuns());
          maxQueued = Math.max(maxQueued, bp.queuedRuns());
        }, 20);
        const t0 = Date.now();
        const results = await Promise.all(reqs.map((r) => bp.runAgent(r))).finally(() => clearInterval(sampler));
        const seen = fx.standin.maxConcurrency((c) => c.commandId !== null && ids.has(c.commandId));
        console.log(`      6 runs with maxConcurrentRuns=2: ${Date.now() - t0} ms; stand-in max concurrency ${seen}; client max in flight ${maxInFlight}, max queued ${maxQueued}`);
        assert.equal(results.length, 6);
        assert.ok(seen <= 2, `stand-in saw ${seen} concurrent calls`);
        assert.equal(seen, 2, 'two ran side by side');
        assert.equal(maxInFlight, 2);
        assert.equal(maxQueued, 4);
        assert.ok(results.some((r) => (r.queuedMs ?? 0) > 500));
      } finally {
        await bp.close();
      }
    });
  });

  describe('gateway lifecycle (crash and restart; runs after everything above)', function () {
    it('crash mid-run: down -> connect fails transient; a connect made while it boots succeeds; the run fails GATEWAY_RESTARTED (transient)', async function () {
      const r = runReq('research', 'slow:20000', { model: 'gemini-standin/gemini-2.5-flash' });
      const p = client.runAgent(r).then(() => null, (e: unknown) => e);
      await poll(() => fx.standin.callsFor(r.id).length > 0, 60_000, 'the provider call');
      const running = fx.running!;
      process.kill(running.pid, 'SIGKILL');
      await running.exited;
      await fx.stopGateway();
      const killedAt = Date.now();

      // Down: a connect with a short budget fails as a transient connection error.
      const down = new OpenClawGatewayClient({ url: fx.gatewayUrl, token: fx.token, connectTimeoutMs: 1500, reconnectBaseMs: 100 });
      await assert.rejects(down.connect(), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.kind, 'connection');
        assert.equal(classifyGatewayFailure(err).errorClass, 'transient');
        return true;
      });
      await down.close();

      // Booting: a connect started before the gateway is up retries (refused socket, UNAVAILABLE) and succeeds.
      const attempts: string[] = [];
      const booting = new OpenClawGatewayClient({
        url: fx.gatewayUrl,
        token: fx.token,
        connectTimeoutMs: 90_000,
        reconnectBaseMs: 100,
        reconnectMaxMs: 500,
        logger: {
          info() {},
          warn() {},
          error() {},
          debug: (m: string, meta?: object) => {
            const x = meta as { kind?: string; code?: string };
            if (m.startsWith('gateway connect failed')) attempts.push(`${x.kind}${x.code ? `/${x.code}` : ''}`);
          },
        },
      });
      try {
        // The restarted gateway times a hanging provider out after 4 s (next test).
        const [hello, readyMs, outcome] = await Promise.all([booting.connect(), fx.start({ providerTimeoutSeconds: 4 }), p]);
        console.log(
          `      restart: ready in ${readyMs} ms; booting connect retried ${attempts.length} time(s) (${[...new Set(attempts)].join(', ')}); ` +
            `the pending run failed ${Date.now() - killedAt} ms after the kill`,
        );
        assert.equal(hello.protocol, 4);
        assert.ok(attempts.length > 0 && attempts.every((k) => k === 'connection' || k.startsWith('unavailable')), attempts.join(', '));
        assert.ok(outcome instanceof GatewayError, `expected a GatewayError, got ${String(outcome)}`);
        assert.equal(outcome.code, CLIENT_ERROR_CODES.GATEWAY_RESTARTED, outcome.message);
        assert.equal(classifyGatewayFailure(outcome).errorClass, 'transient');
        assert.equal(client.inFlightRuns(), 0);
      } finally {
        await booting.close();
      }

      // Observed with 2026.9.6: the restarted gateway has forgotten the key (agent.wait answers a
      // plain `timeout` for it), so the same key is accepted as a NEW run and the model is called
      // again. That run may still fail while the gateway recovers the interrupted session
      // ("Session ... changed while starting work. Retry. | SESSION_WORK_START_CHANGED", transient);
      // the runtime's next attempt (new key, new session, as the executor does) then completes.
      const sameKey = await client.runAgent({ ...r, message: r.message.replace('slow:20000', 'ok') }).then(
        (res) => res,
        (e: unknown) => e,
      );
      if (sameKey instanceof GatewayError) {
        console.log(`      same key after the restart: accepted as a new run, which failed: ${sameKey.gatewayMessage}`);
        assert.equal(classifyGatewayFailure(sameKey).errorClass, 'transient', sameKey.message);
        const next = runReq('research', null, { model: 'gemini-standin/gemini-2.5-flash' });
        const res = await client.runAgent(next);
        assert.equal(res.status, 'ok');
      } else {
        assert.ok(!(sameKey instanceof Error), String(sameKey));
        const res = sameKey as Awaited<ReturnType<OpenClawGatewayClient['runAgent']>>;
        console.log('      same key after the restart: accepted as a new run and completed');
        assert.equal(res.status, 'ok');
        assert.equal(res.reattached, false, 'the gateway did not know the key any more');
        assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['gemini:499', 'gemini:200']);
      }
    });

    it('a provider that hangs is timed out by the gateway (models.providers.*.timeoutSeconds = 4) -> timeout', async function () {
      const r = runReq('research', 'hang', { model: 'gemini-standin/gemini-2.5-flash' });
      const { err, cls, ms } = await failureOf(r);
      console.log(`      gateway-side provider timeout: ${ms} ms`);
      assert.equal(cls.errorClass, 'timeout');
      // The gateway ends such a run as `timeout` with an end, or on a loaded host as `error`, with
      // the same reason: the class comes from the reason either way.
      assert.ok(['timeout', 'error'].includes(err.code ?? ''), `agent.wait status ${err.code}`);
      // Which text says so depends on the phase the gateway's timer caught the attempt in: the
      // idle-timeout text, or on a loaded host (CI, right after the restart above) the text it
      // synthesizes for a timeout, the one a stream cut mid-answer gets. The adapter classes both
      // as timeout (failure-classification.ts), which is what this contract is about.
      assert.match(err.gatewayMessage ?? '', /did not produce a response before the model idle timeout|^LLM request timed out\.$/);
      assert.deepEqual(statuses(fx.standin.callsFor(r.id)), ['gemini:499', 'gemini:499'], 'one gateway retry, both calls cut');
    });
  });

  describe('provider auth failures (last: the gateway disables the provider key for ~1 min)', function () {
    it('403 -> auth (not retried); the next run on that provider -> provider_unavailable with retryAfterMs', async function () {
      const r = runReq('research', 'status:403', { model: 'claude-standin/claude-sonnet-4-5' });
      const { err, cls } = await failureOf(r);
      assert.equal(cls.errorClass, 'auth');
      assert.equal(cls.retryable, false);
      assert.match(err.gatewayMessage ?? '', /claude-standin\/claude-sonnet-4-5 request failed \(authentication failed, HTTP 403\)/);
      assert.equal(fx.standin.callsFor(r.id).length, 1);

      const next = runReq('research', null, { model: 'claude-standin/claude-haiku-4-5' });
      const n = await failureOf(next);
      assert.match(n.err.gatewayMessage ?? '', /Inline API key for provider "claude-standin" is temporarily disabled after a provider auth\/billing failure/);
      assert.equal(n.cls.errorClass, 'provider_unavailable');
      assert.equal(n.cls.retryAfterMs, 60_000);
      assert.equal(fx.standin.callsFor(next.id).length, 0, 'the gateway did not call the provider');
    });

    it('401 -> auth; other providers keep working', async function () {
      const r = runReq('research', 'status:401', { model: 'openai-standin/gpt-5' });
      const { err, cls } = await failureOf(r);
      assert.equal(cls.errorClass, 'auth');
      assert.match(err.gatewayMessage ?? '', /Authentication failed \(provider returned HTTP 401\)/);
      const ok = await client.runAgent(runReq('research', null, { model: 'gemini-standin/gemini-2.5-flash' }));
      assert.equal(ok.provider, 'gemini-standin');
    });
  });

  describe('hygiene', function () {
    it('never logs the token', function () {
      assert.ok(logged.length > 0);
      assert.ok(!logged.some((l) => l.includes(fx.token)));
    });
  });
});
