/**
 * Minimal OpenClaw gateway client (protocol v4 over WebSocket). The ONLY code in the project that
 * knows the gateway wire protocol; everything else uses `connect`, `runAgent` and `close`.
 * Checked against openclaw 2026.9.6; see README.md here for sources and observed behaviour.
 *
 * The shared token is sent only inside the `connect` frame; it never appears in logs or errors.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  AgentResponse,
  AgentWaitResponse,
  ConnectChallenge,
  HelloOk,
  PROTOCOL_VERSION,
  ServerFrame,
  type AgentParams,
  type ConnectParams,
  type ErrorShape,
  type RequestFrame,
  type ResponseFrame,
  type SessionsAbortParams,
} from './protocol';

export type GatewayErrorKind = 'unavailable' | 'protocol' | 'auth' | 'timeout' | 'run_failed' | 'connection';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly kind: GatewayErrorKind;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly gatewayMessage?: string;
  readonly details?: unknown;

  constructor(
    kind: GatewayErrorKind,
    message: string,
    extra: { code?: string; retryAfterMs?: number; gatewayMessage?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.kind = kind;
    if (extra.code !== undefined) this.code = extra.code;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra.gatewayMessage !== undefined) this.gatewayMessage = extra.gatewayMessage;
    if (extra.details !== undefined) this.details = extra.details;
  }
}

export interface GatewayLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
  debug(msg: string, meta?: object): void;
}

export interface OpenClawGatewayClientOptions {
  url: string;
  token: string;
  /** Must be one of the gateway's GATEWAY_CLIENT_IDS; default `gateway-client` (trusted local backend). */
  clientId?: string;
  clientVersion?: string;
  /** Per-RPC timeout (default 30 000, the reference client's value). */
  requestTimeoutMs?: number;
  /** Budget for one connect(), including UNAVAILABLE retries (default 15 000). */
  connectTimeoutMs?: number;
  logger?: GatewayLogger;
}

export interface AgentUsageTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  total: number;
}

export interface AgentRunResult {
  runId: string;
  status: 'ok';
  text: string;
  provider: string | null;
  model: string | null;
  usage: AgentUsageTotals;
  gatewayCostUsd: number | null;
  durationMs: number;
  /** True when the gateway answered `in_flight` or an already finished result for a repeated key. */
  reattached: boolean;
}

export interface RunAgentRequest {
  agentId: string;
  sessionKey: string;
  message: string;
  idempotencyKey: string;
  /** Length of one `agent.wait` slice (default 10 000). */
  waitSliceMs?: number;
  /** Overall budget of this call; on expiry a `timeout` GatewayError (the run is NOT aborted). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called after every `agent.wait` slice that ended with the run still going. */
  onProgress?: () => void;
}

interface Pending {
  method: string;
  /** Returns true when the request is finished and the entry can be dropped. */
  onResponse(frame: ResponseFrame): boolean;
  onClose(err: GatewayError): void;
  timer?: NodeJS.Timeout;
}

interface HelloInfo {
  protocol: number;
  serverVersion: string;
}

const noopLogger: GatewayLogger = { info() {}, warn() {}, error() {}, debug() {} };
const AUTH_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'AUTH_FAILED', 'AUTH_REQUIRED', 'INVALID_TOKEN', 'PAIRING_REQUIRED']);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error('agent run aborted');
  e.name = 'AbortError';
  return e;
}

function detailsCode(details: unknown): string | undefined {
  if (details && typeof details === 'object') {
    const d = details as Record<string, unknown>;
    for (const k of ['code', 'reason']) if (typeof d[k] === 'string') return d[k] as string;
  }
  return undefined;
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

export class OpenClawGatewayClient {
  private readonly url: string;
  private readonly token: string;
  private readonly clientId: string;
  private readonly clientVersion: string;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly log: GatewayLogger;

  private ws: WebSocket | null = null;
  private hello: HelloInfo | null = null;
  private connecting: Promise<HelloInfo> | null = null;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  /** Final `agent` answers that arrived on the original request id, by runId. */
  private readonly finals = new Map<string, { response: AgentResponse; at: number }>();
  private readonly finalWaiters = new Map<string, Set<(r: AgentResponse) => void>>();

  constructor(opts: OpenClawGatewayClientOptions) {
    this.url = opts.url;
    this.token = opts.token;
    this.clientId = opts.clientId ?? 'gateway-client';
    this.clientVersion = opts.clientVersion ?? '0.1.0';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.log = opts.logger ?? noopLogger;
  }

  /** Never lets the token through, whatever text the caller hands us. */
  private redact(text: string): string {
    return this.token ? text.split(this.token).join('[redacted]') : text;
  }

  // ------------------------------------------------------------------ connection

  async connect(): Promise<HelloInfo> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.hello) return this.hello;
    if (this.connecting) return this.connecting;
    this.closed = false;
    this.connecting = this.connectWithRetry().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectWithRetry(): Promise<HelloInfo> {
    const deadline = Date.now() + this.connectTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connectOnce(Math.max(1, deadline - Date.now()));
      } catch (err) {
        const ge = err instanceof GatewayError ? err : new GatewayError('connection', this.redact(errorText(err)), { cause: err });
        const wait = ge.retryAfterMs ?? 500;
        if (ge.kind === 'unavailable' && Date.now() + wait < deadline && !this.closed) {
          this.log.debug('gateway connect unavailable, retrying', { attempt, retryAfterMs: wait, code: ge.code });
          await sleep(wait);
          continue;
        }
        throw ge;
      }
    }
  }

  private connectOnce(budgetMs: number): Promise<HelloInfo> {
    return new Promise<HelloInfo>((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, handshakeTimeout: budgetMs });
      let settled = false;
      const connectId = randomUUID();
      const finish = (err: GatewayError | null, hello?: HelloInfo): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.removeAllListeners();
          ws.on('error', () => undefined);
          ws.terminate();
          reject(err);
        } else {
          resolve(hello as HelloInfo);
        }
      };
      const timer = setTimeout(
        () => finish(new GatewayError('timeout', `gateway handshake with ${this.url} did not complete within ${budgetMs} ms`)),
        budgetMs,
      );

      ws.on('error', (e) => {
        if (!settled) finish(new GatewayError('connection', `cannot connect to gateway ${this.url}: ${this.redact(e.message)}`, { cause: e }));
      });
      ws.on('close', (code, reason) => {
        if (!settled) {
          finish(new GatewayError('connection', `gateway closed the socket during the handshake (code ${code}${reason.length ? `, ${this.redact(reason.toString())}` : ''})`));
          return;
        }
        this.onSocketClosed(ws, code, reason.toString());
      });
      ws.on('message', (data) => {
        let frame: ServerFrame;
        try {
          frame = ServerFrame.parse(JSON.parse(data.toString()));
        } catch (e) {
          const err = new GatewayError('protocol', `unparseable frame from gateway: ${this.redact(errorText(e)).slice(0, 300)}`);
          if (!settled) finish(err);
          else this.log.warn('ignoring unparseable gateway frame', { error: err.message });
          return;
        }
        if (!settled) {
          if (frame.type === 'event' && frame.event === 'connect.challenge') {
            const ch = ConnectChallenge.safeParse(frame.payload);
            if (!ch.success) return finish(new GatewayError('protocol', 'malformed connect.challenge from gateway'));
            const params: ConnectParams = {
              minProtocol: PROTOCOL_VERSION,
              maxProtocol: PROTOCOL_VERSION,
              client: { id: this.clientId, displayName: 'StartInsight Runtime', version: this.clientVersion, platform: process.platform, mode: 'backend' },
              role: 'operator',
              scopes: ['operator.read', 'operator.write'],
              caps: [],
              auth: { token: this.token },
              userAgent: `startinsight-runtime/${this.clientVersion}`,
            };
            const req: RequestFrame = { type: 'req', id: connectId, method: 'connect', params };
            ws.send(JSON.stringify(req));
            this.log.debug('gateway connect sent', { url: this.url, clientId: this.clientId });
            return;
          }
          if (frame.type === 'res' && frame.id === connectId) {
            if (!frame.ok) return finish(this.errorFromShape(frame.error, 'connect', true));
            const hello = HelloOk.safeParse(frame.payload);
            if (!hello.success) return finish(new GatewayError('protocol', `unexpected hello-ok payload: ${hello.error.message.slice(0, 300)}`));
            if (hello.data.protocol !== PROTOCOL_VERSION) {
              return finish(new GatewayError('protocol', `gateway negotiated protocol ${hello.data.protocol}, this client speaks ${PROTOCOL_VERSION}`));
            }
            this.ws = ws;
            this.hello = { protocol: hello.data.protocol, serverVersion: hello.data.server.version };
            this.log.info('gateway connected', { url: this.url, protocol: this.hello.protocol, serverVersion: this.hello.serverVersion });
            return finish(null, this.hello);
          }
          return; // other pre-hello events
        }
        this.onFrame(frame);
      });
    });
  }

  private onSocketClosed(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.hello = null;
    const err = new GatewayError('connection', `gateway connection closed (code ${code}${reason ? `, ${this.redact(reason)}` : ''})`);
    if (!this.closed) this.log.warn('gateway connection closed', { code });
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      this.pending.delete(id);
      p.onClose(err);
    }
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'event') return; // events are not needed by this adapter (tick, agent streams, ...)
    const p = this.pending.get(frame.id);
    if (!p) {
      this.log.debug('gateway response for unknown request id', { id: frame.id });
      return;
    }
    let done = true;
    try {
      done = p.onResponse(frame);
    } catch (e) {
      this.log.error('gateway response handler failed', { method: p.method, error: errorText(e) });
    }
    if (done) {
      if (p.timer) clearTimeout(p.timer);
      this.pending.delete(frame.id);
    }
  }

  private errorFromShape(error: ErrorShape | undefined, method: string, duringConnect = false): GatewayError {
    if (!error) return new GatewayError('protocol', `gateway rejected ${method} without an error body`);
    const gatewayMessage = this.redact(error.message);
    const sub = detailsCode(error.details);
    const code = error.code;
    const extra = {
      code,
      gatewayMessage,
      details: error.details,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
    const text = `gateway ${method} failed: ${code}${sub ? `/${sub}` : ''}: ${gatewayMessage}`;
    if (code === 'UNAVAILABLE') return new GatewayError('unavailable', text, extra);
    if (AUTH_CODES.has(code) || (sub !== undefined && /AUTH|TOKEN|SCOPE|PAIRING/i.test(sub))) return new GatewayError('auth', text, extra);
    if (duringConnect) return new GatewayError(/auth|token|unauthori/i.test(gatewayMessage) ? 'auth' : 'protocol', text, extra);
    if (code === 'INVALID_REQUEST') return new GatewayError('protocol', text, extra);
    return new GatewayError('run_failed', text, extra);
  }

  /**
   * Sends one request. `onResponse` may keep the entry open (return false) for methods answered
   * more than once on the same id (`agent`). Resolves with the first answer's payload.
   */
  private async request<T>(
    method: string,
    params: unknown,
    schema: z.ZodType<T>,
    opts: { timeoutMs?: number; onLaterResponse?: (payload: T) => void } = {},
  ): Promise<T> {
    await this.connect();
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new GatewayError('connection', 'gateway connection is not open');
    const id = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const parse = (frame: ResponseFrame): T => {
        const r = schema.safeParse(frame.payload);
        if (!r.success) throw new GatewayError('protocol', `unexpected ${method} payload: ${r.error.message.slice(0, 300)}`);
        return r.data;
      };
      const entry: Pending = {
        method,
        onResponse: (frame) => {
          if (!answered) {
            answered = true;
            if (entry.timer) clearTimeout(entry.timer);
            if (!frame.ok) {
              reject(this.errorFromShape(frame.error, method));
              return true;
            }
            try {
              const payload = parse(frame);
              resolve(payload);
            } catch (e) {
              reject(e);
              return true;
            }
            // Keep listening only if the caller expects a later answer on the same id; drop the
            // entry after an hour if that answer never comes.
            const keep = !!opts.onLaterResponse && this.expectsLater(frame.payload);
            if (keep) {
              entry.timer = setTimeout(() => this.pending.delete(id), 3_600_000);
              entry.timer.unref();
            }
            return !keep;
          }
          if (frame.ok && opts.onLaterResponse) {
            try {
              opts.onLaterResponse(parse(frame));
            } catch (e) {
              this.log.warn('ignoring malformed late response', { method, error: errorText(e) });
            }
          } else if (!frame.ok) {
            this.log.debug('late error response', { method, code: frame.error?.code });
          }
          return true;
        },
        onClose: (err) => {
          if (!answered) reject(err);
        },
      };
      entry.timer = setTimeout(() => {
        if (answered) return;
        answered = true;
        this.pending.delete(id);
        reject(new GatewayError('timeout', `gateway ${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, entry);
      const frame: RequestFrame = { type: 'req', id, method, params };
      ws.send(JSON.stringify(frame), (err) => {
        if (err && !answered) {
          answered = true;
          if (entry.timer) clearTimeout(entry.timer);
          this.pending.delete(id);
          reject(new GatewayError('connection', `could not send ${method}: ${this.redact(err.message)}`, { cause: err }));
        }
      });
      this.log.debug('gateway request', { method, id });
    });
  }

  /** `agent` first answers `accepted` and later the final result on the same id. */
  private expectsLater(payload: unknown): boolean {
    const status = payload && typeof payload === 'object' ? (payload as { status?: unknown }).status : undefined;
    return status === 'accepted';
  }

  // ------------------------------------------------------------------ agent runs

  async runAgent(req: RunAgentRequest): Promise<AgentRunResult> {
    const started = Date.now();
    const deadline = started + req.timeoutMs;
    const slice = req.waitSliceMs ?? 10_000;
    const signal = req.signal;
    if (signal?.aborted) throw abortReason(signal);

    const params: AgentParams = {
      message: req.message,
      agentId: req.agentId,
      sessionKey: req.sessionKey,
      idempotencyKey: req.idempotencyKey,
    };
    const remaining = (): number => deadline - Date.now();
    const timeoutError = (): GatewayError =>
      new GatewayError('timeout', `agent run ${req.idempotencyKey} did not finish within ${req.timeoutMs} ms (it may still be running in the gateway)`);

    const first = await this.withAbort(
      this.request('agent', params, AgentResponse, {
        timeoutMs: Math.min(this.requestTimeoutMs, Math.max(1, remaining())),
        onLaterResponse: (r) => this.recordFinal(r),
      }),
      signal,
      null,
      req,
    );
    const runId = first.runId;
    const reattached = first.status !== 'accepted';
    this.log.debug('agent answered', { runId, status: first.status });

    if (first.status === 'ok') return this.toResult(first, started, true);
    if (first.status !== 'accepted' && first.status !== 'in_flight') throw this.runFailed(runId, first);

    // Wait in slices until terminal.
    for (;;) {
      if (remaining() <= 0) throw timeoutError();
      const sliceMs = Math.max(1, Math.min(slice, remaining()));
      let waited: AgentWaitResponse;
      try {
        waited = await this.withAbort(
          this.request('agent.wait', { runId, timeoutMs: sliceMs }, AgentWaitResponse, { timeoutMs: sliceMs + 15_000 }),
          signal,
          runId,
          req,
        );
      } catch (e) {
        // A dropped socket does not end the run: reconnect and keep waiting within the budget.
        if (e instanceof GatewayError && (e.kind === 'connection' || e.kind === 'unavailable') && remaining() > 0 && !this.closed) {
          this.log.warn('agent.wait interrupted, reconnecting', { runId, kind: e.kind });
          await sleep(Math.min(e.retryAfterMs ?? 500, Math.max(1, remaining())), signal);
          continue;
        }
        throw e;
      }
      if (waited.status === 'timeout') {
        req.onProgress?.();
        continue;
      }
      if (waited.status === 'ok') break;
      const msg = this.redact(waited.error !== undefined ? errorText(waited.error) : `no error text (stopReason ${waited.stopReason ?? 'unknown'})`);
      throw new GatewayError('run_failed', `agent run ${runId} ended with ${waited.status}: ${msg}`, { code: waited.status, gatewayMessage: msg });
    }

    // Usage lives only in the final `agent` answer: take the late answer on the original request
    // id if it came (it may trail agent.wait by a moment), else ask again with the same key (the
    // gateway returns the finished result without calling the model again).
    const final =
      this.takeFinal(runId) ??
      (await this.waitFinal(runId, Math.min(2000, Math.max(1, remaining())))) ??
      (await this.request('agent', params, AgentResponse, { timeoutMs: Math.min(this.requestTimeoutMs, Math.max(1, remaining())) }));
    if (final.status !== 'ok') throw this.runFailed(runId, final);
    return this.toResult(final, started, reattached);
  }

  private runFailed(runId: string, r: AgentResponse): GatewayError {
    const msg = this.redact(
      r.error !== undefined ? errorText(r.error) : `${r.summary ?? 'no error text'} (stopReason ${r.stopReason ?? 'unknown'})`,
    );
    return new GatewayError('run_failed', `agent run ${runId} ended with ${r.status}: ${msg}`, { code: r.status, gatewayMessage: msg });
  }

  private recordFinal(r: AgentResponse): void {
    this.finals.set(r.runId, { response: r, at: Date.now() });
    // Bound the map: finals nobody collected within 10 minutes are dropped.
    for (const [k, v] of this.finals) if (Date.now() - v.at > 600_000) this.finals.delete(k);
    const waiters = this.finalWaiters.get(r.runId);
    if (waiters) for (const w of waiters) w(r);
  }

  private takeFinal(runId: string): AgentResponse | null {
    const f = this.finals.get(runId);
    if (!f) return null;
    this.finals.delete(runId);
    return f.response;
  }

  private waitFinal(runId: string, ms: number): Promise<AgentResponse | null> {
    return new Promise((resolve) => {
      const set = this.finalWaiters.get(runId) ?? new Set();
      this.finalWaiters.set(runId, set);
      const done = (r: AgentResponse | null): void => {
        clearTimeout(t);
        set.delete(done);
        if (set.size === 0) this.finalWaiters.delete(runId);
        if (r) this.finals.delete(runId);
        resolve(r);
      };
      const t = setTimeout(() => done(null), ms);
      set.add(done);
    });
  }

  private toResult(r: AgentResponse, started: number, reattached: boolean): AgentRunResult {
    const meta = r.result?.meta?.agentMeta;
    const u = meta?.usage;
    const text = (r.result?.payloads ?? [])
      .map((p) => p.text ?? '')
      .filter((t) => t.length > 0)
      .join('\n');
    const input = u?.input ?? 0;
    const output = u?.output ?? 0;
    const cacheRead = u?.cacheRead ?? 0;
    const cacheWrite = u?.cacheWrite ?? 0;
    return {
      runId: r.runId,
      status: 'ok',
      text,
      provider: meta?.provider ?? null,
      model: meta?.model ?? null,
      usage: { input, output, cacheRead, cacheWrite, total: u?.total ?? input + output + cacheRead + cacheWrite },
      gatewayCostUsd: u?.cost?.total ?? null,
      durationMs: r.result?.meta?.durationMs ?? Date.now() - started,
      reattached,
    };
  }

  /**
   * Races `p` against the abort signal. On abort: best-effort `sessions.abort` for the run (when
   * its id is known; before that, the idempotency key, which the gateway uses as the runId),
   * then reject with the signal's reason.
   */
  private async withAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, runId: string | null, req: RunAgentRequest): Promise<T> {
    if (!signal) return p;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void this.abortRun({ key: req.sessionKey, runId: runId ?? req.idempotencyKey, agentId: req.agentId }).finally(() =>
          reject(abortReason(signal)),
        );
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const value = await Promise.race([p, aborted]);
      // The gateway may answer (e.g. agent.wait -> error/rpc) before the abort round trip is
      // done: an aborted caller always gets the abort reason, once the abort has been sent.
      if (signal.aborted) await aborted;
      return value;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      p.catch(() => undefined);
    }
  }

  /** `sessions.abort {key, runId, agentId}`; failures are logged, not thrown. */
  async abortRun(params: SessionsAbortParams): Promise<unknown> {
    try {
      const res = await this.request('sessions.abort', params, z.unknown(), { timeoutMs: 10_000 });
      this.log.info('agent run abort requested', { runId: params.runId, result: res });
      return res;
    } catch (e) {
      this.log.warn('agent run abort failed', { runId: params.runId, error: errorText(e) });
      return null;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    this.ws = null;
    this.hello = null;
    const err = new GatewayError('connection', 'gateway client closed');
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      this.pending.delete(id);
      p.onClose(err);
    }
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      ws.close(1000, 'client closing');
    });
  }
}
