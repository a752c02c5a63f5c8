/**
 * Minimal OpenClaw gateway client (protocol v4 over WebSocket). With its helpers in this folder,
 * the ONLY code in the project that knows the gateway wire protocol; everything else uses
 * `connect`, `runAgent` and `close`.
 * Checked against openclaw 2026.9.6; see README.md here for sources and observed behaviour.
 *
 * The shared token is sent only inside the `connect` frame; it never appears in logs or errors.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import { AgentPrimaryModels } from './agent-primary-models';
import {
  ADAPTER_CLIENT_ID,
  AgentResponse,
  AgentsListResponse,
  AgentWaitResponse,
  ConnectChallenge,
  HelloOk,
  isEventFrame,
  operatorConnectParams,
  PROTOCOL_VERSION,
  ServerFrame,
  SessionsPatchResponse,
  type AgentParams,
  type ErrorShape,
  type RequestFrame,
  type ResponseFrame,
  type SessionsAbortParams,
  type SessionsPatchParams,
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
  /**
   * Budget for one connect(), including its retries (default 15 000): `UNAVAILABLE` answers (the
   * gateway is still starting) are retried after their `retryAfterMs`, refused/dropped connections
   * with exponential backoff (`reconnectBaseMs` doubling up to `reconnectMaxMs`, with jitter).
   */
  connectTimeoutMs?: number;
  /** First reconnect delay (default 250). */
  reconnectBaseMs?: number;
  /** Largest reconnect delay (default 5 000). */
  reconnectMaxMs?: number;
  /**
   * Back-pressure: agent runs this client has in the gateway at once (default unlimited). Runs
   * beyond it wait in FIFO order, before anything is sent, for the caller's `timeoutMs` and
   * `signal`. The worker passes RUNTIME_MAX_CONCURRENCY.
   */
  maxConcurrentRuns?: number;
  /**
   * The pinned gateway version. Checked on every handshake, reconnects included, so a gateway
   * upgraded behind a running worker is refused (`protocol` / VERSION_MISMATCH) instead of used
   * unchecked; `onVersionMismatch` sees each refusal (the worker counts them as a metric).
   */
  expectedServerVersion?: string;
  onVersionMismatch?: (reported: string, expected: string) => void;
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
  /** Milliseconds this call waited for a run slot (`maxConcurrentRuns`) before anything was sent. */
  queuedMs?: number;
}

export interface RunAgentRequest {
  agentId: string;
  sessionKey: string;
  message: string;
  idempotencyKey: string;
  /**
   * Gateway model ref `<provider>/<modelId>` (as configured in the gateway) this attempt must run
   * on. Set on the run's session (`sessions.patch {key, agentId, model}`) before `agent`; an
   * explicitly selected session model is strict in the gateway (no gateway-side fallback). Not set
   * when it is the agent's effective primary with no fallback models (agents.list, re-read every
   * 30 s and on reconnect; agent-primary-models.ts): the run then runs it anyway. So `sessionKey`
   * must be fresh, or only ever used with this model (the executor's keys are per attempt). Omitted:
   * the agent's configured primary. The result's provider/model report what actually ran.
   */
  model?: string;
  /** Length of one `agent.wait` slice (default 10 000). */
  waitSliceMs?: number;
  /**
   * Overall budget of this call, including the wait for a run slot; on expiry a `timeout`
   * GatewayError with code RUN_TIMEOUT (or QUEUE_TIMEOUT while still waiting for a slot). The run
   * is NOT aborted: a retry with the same key reattaches.
   */
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

export interface HelloInfo {
  protocol: number;
  serverVersion: string;
  /** Changes when the gateway process restarts (hello-ok `server.bootId`); runs do not survive it. */
  bootId: string | null;
}

/** GatewayError codes set by this client (the gateway's own codes pass through unchanged). */
export const CLIENT_ERROR_CODES = {
  /** runAgent's `timeoutMs` ran out while the run was going (the run may still be running). */
  RUN_TIMEOUT: 'RUN_TIMEOUT',
  /** runAgent's `timeoutMs` ran out while waiting for a run slot; nothing was sent. */
  QUEUE_TIMEOUT: 'QUEUE_TIMEOUT',
  /** One RPC got no answer within its timeout. */
  RPC_TIMEOUT: 'RPC_TIMEOUT',
  /** The gateway came back with another boot id while a run was in flight: the run is lost. */
  GATEWAY_RESTARTED: 'GATEWAY_RESTARTED',
  /** `sessions.patch` refused the requested model ref. */
  MODEL_REJECTED: 'MODEL_REJECTED',
  /** The gateway reports another version than `expectedServerVersion` (checked on every connect). */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
} as const;

interface SlotWaiter {
  grant(): void;
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
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly maxConcurrentRuns: number;
  private readonly log: GatewayLogger;

  private ws: WebSocket | null = null;
  private hello: HelloInfo | null = null;
  private connecting: Promise<HelloInfo> | null = null;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  /** Final `agent` answers that arrived on the original request id, by runId. */
  private readonly finals = new Map<string, { response: AgentResponse; at: number }>();
  private readonly finalWaiters = new Map<string, Set<(r: AgentResponse) => void>>();
  /** Back-pressure: runs holding a slot, and callers waiting for one (FIFO). */
  private activeRuns = 0;
  private readonly expectedServerVersion: string | undefined;
  private readonly onVersionMismatch: ((reported: string, expected: string) => void) | undefined;
  private readonly slotQueue: SlotWaiter[] = [];
  private readonly primaries: AgentPrimaryModels;

  constructor(opts: OpenClawGatewayClientOptions) {
    this.url = opts.url;
    this.token = opts.token;
    this.clientId = opts.clientId ?? ADAPTER_CLIENT_ID;
    this.clientVersion = opts.clientVersion ?? '0.1.0';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.reconnectBaseMs = opts.reconnectBaseMs ?? 250;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 5_000;
    const max = opts.maxConcurrentRuns ?? Infinity;
    if (!(max >= 1)) throw new Error(`maxConcurrentRuns must be >= 1, got ${String(opts.maxConcurrentRuns)}`);
    this.maxConcurrentRuns = max;
    this.log = opts.logger ?? noopLogger;
    this.expectedServerVersion = opts.expectedServerVersion;
    this.onVersionMismatch = opts.onVersionMismatch;
    this.primaries = new AgentPrimaryModels(
      // Briefly: a gateway that does not answer it must not hold runs up (they pin instead).
      () => this.request('agents.list', {}, AgentsListResponse, { timeoutMs: Math.min(5_000, this.requestTimeoutMs) }),
      () => this.hello?.bootId ?? null,
      this.log,
    );
  }

  /** Never lets the token through, whatever text the caller hands us. */
  private redact(text: string): string {
    return this.token ? text.split(this.token).join('[redacted]') : text;
  }

  // ------------------------------------------------------------------ metrics

  /** Agent runs holding a slot (sent to the gateway or about to be). */
  inFlightRuns(): number {
    return this.activeRuns;
  }

  /** Agent runs waiting for a slot (`maxConcurrentRuns`), nothing sent yet. */
  queuedRuns(): number {
    return this.slotQueue.length;
  }

  /** The open connection's handshake facts, or null when not connected. */
  connection(): HelloInfo | null {
    return this.ws && this.ws.readyState === WebSocket.OPEN ? this.hello : null;
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
    let backoff = this.reconnectBaseMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connectOnce(Math.max(1, deadline - Date.now()));
      } catch (err) {
        const ge = err instanceof GatewayError ? err : new GatewayError('connection', this.redact(errorText(err)), { cause: err });
        if ((ge.kind === 'unavailable' || ge.kind === 'connection') && !this.closed) {
          // UNAVAILABLE says when to come back; a refused or dropped socket backs off exponentially.
          const wait = ge.kind === 'unavailable' && ge.retryAfterMs !== undefined ? ge.retryAfterMs : Math.round(backoff * (0.75 + Math.random() * 0.5));
          if (ge.kind === 'connection') backoff = Math.min(this.reconnectMaxMs, backoff * 2);
          if (Date.now() + wait < deadline) {
            this.log.debug('gateway connect failed, retrying', { attempt, kind: ge.kind, code: ge.code, retryInMs: wait });
            await sleep(wait);
            continue;
          }
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
        () =>
          finish(
            new GatewayError('timeout', `gateway handshake with ${this.url} did not complete within ${budgetMs} ms`, {
              code: CLIENT_ERROR_CODES.RPC_TIMEOUT,
            }),
          ),
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
          const raw: unknown = JSON.parse(data.toString());
          // After the handshake events are not needed (tick, task, ...): not worth a schema check.
          if (settled && isEventFrame(raw)) return;
          frame = ServerFrame.parse(raw);
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
            const params = operatorConnectParams({ clientId: this.clientId, version: this.clientVersion, token: this.token });
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
            const reported = hello.data.server.version;
            if (this.expectedServerVersion !== undefined && reported !== this.expectedServerVersion) {
              this.onVersionMismatch?.(reported, this.expectedServerVersion);
              return finish(
                new GatewayError('protocol', `OpenClaw gateway reports version ${reported}, but this client is pinned to ${this.expectedServerVersion}`, {
                  code: CLIENT_ERROR_CODES.VERSION_MISMATCH,
                }),
              );
            }
            this.ws = ws;
            this.hello = { protocol: hello.data.protocol, serverVersion: hello.data.server.version, bootId: hello.data.server.bootId ?? null };
            this.log.info('gateway connected', { url: this.url, protocol: this.hello.protocol, serverVersion: this.hello.serverVersion, bootId: this.hello.bootId });
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

  private errorFromShape(error: ErrorShape | undefined, method: string, duringConnect = false, payload?: unknown): GatewayError {
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
    // A finished run answered again (repeated key): `ok: false` with the run's payload
    // `{runId, status: "error"}` and error UNAVAILABLE + the run's failure text. That is the run's
    // outcome, not a gateway that is unavailable.
    const runStatus = payload && typeof payload === 'object' ? (payload as { status?: unknown; runId?: unknown }) : undefined;
    if (method === 'agent' && typeof runStatus?.runId === 'string' && typeof runStatus.status === 'string') {
      return new GatewayError('run_failed', `agent run ${runStatus.runId} ended with ${runStatus.status}: ${gatewayMessage}`, {
        ...extra,
        code: runStatus.status,
      });
    }
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
              reject(this.errorFromShape(frame.error, method, false, frame.payload));
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
          if (opts.onLaterResponse) {
            // The final answer of a failed run comes as `ok: false` with the run's payload.
            if (frame.ok || (frame.payload && typeof frame.payload === 'object')) {
              try {
                const late = parse(frame);
                if (!frame.ok && frame.error) (late as { error?: unknown }).error ??= frame.error.message;
                opts.onLaterResponse(late);
              } catch (e) {
                this.log.warn('ignoring malformed late response', { method, error: errorText(e) });
              }
            } else {
              this.log.debug('late error response', { method, code: frame.error?.code });
            }
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
        reject(new GatewayError('timeout', `gateway ${method} got no answer within ${timeoutMs} ms`, { code: CLIENT_ERROR_CODES.RPC_TIMEOUT }));
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

  // ------------------------------------------------------------------ back-pressure

  /**
   * Takes a run slot, waiting in FIFO order when `maxConcurrentRuns` are taken. Rejects with the
   * signal's reason on abort and with a QUEUE_TIMEOUT GatewayError at `deadline`; nothing has been
   * sent to the gateway then.
   */
  private acquireSlot(deadline: number, signal: AbortSignal | undefined, req: RunAgentRequest): Promise<void> {
    if (this.activeRuns < this.maxConcurrentRuns && this.slotQueue.length === 0) {
      this.activeRuns++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: SlotWaiter = {
        grant: () => {
          cleanup();
          resolve();
        },
      };
      const leave = (err: unknown): void => {
        const i = this.slotQueue.indexOf(waiter);
        if (i >= 0) this.slotQueue.splice(i, 1);
        cleanup();
        reject(err);
      };
      const onAbort = (): void => leave(abortReason(signal as AbortSignal));
      const timer = setTimeout(
        () =>
          leave(
            new GatewayError(
              'timeout',
              `agent run ${req.idempotencyKey} waited ${req.timeoutMs} ms for a run slot (${this.maxConcurrentRuns} runs in flight); nothing was sent to the gateway`,
              { code: CLIENT_ERROR_CODES.QUEUE_TIMEOUT },
            ),
          ),
        Math.max(1, deadline - Date.now()),
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.slotQueue.push(waiter);
      this.log.debug('agent run queued for a slot', { idempotencyKey: req.idempotencyKey, queued: this.slotQueue.length, inFlight: this.activeRuns });
    });
  }

  /** Hands the slot to the first waiter, or frees it. */
  private releaseSlot(): void {
    const next = this.slotQueue.shift();
    if (next) next.grant();
    else this.activeRuns--;
  }

  // ------------------------------------------------------------------ agent runs

  async runAgent(req: RunAgentRequest): Promise<AgentRunResult> {
    const started = Date.now();
    const deadline = started + req.timeoutMs;
    const signal = req.signal;
    if (signal?.aborted) throw abortReason(signal);
    await this.acquireSlot(deadline, signal, req);
    const queuedMs = Date.now() - started;
    try {
      const result = await this.runAgentHoldingSlot(req, started, deadline);
      return { ...result, queuedMs };
    } finally {
      this.releaseSlot();
    }
  }

  private async runAgentHoldingSlot(req: RunAgentRequest, started: number, deadline: number): Promise<AgentRunResult> {
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
    const rpcBudget = (): number => Math.min(this.requestTimeoutMs, Math.max(1, remaining()));
    const timeoutError = (): GatewayError =>
      new GatewayError('timeout', `agent run ${req.idempotencyKey} did not finish within ${req.timeoutMs} ms (it may still be running in the gateway)`, {
        code: CLIENT_ERROR_CODES.RUN_TIMEOUT,
      });

    const pinned = req.model !== undefined && (await this.primaries.needsPin(req.agentId, req.model));
    if (pinned) await this.selectModel(req, rpcBudget(), signal);
    const checked = (r: AgentRunResult): AgentRunResult => (req.model !== undefined && !pinned ? this.checkUnpinned(req, r) : r);

    const first = await this.withAbort(
      this.request('agent', params, AgentResponse, { timeoutMs: rpcBudget(), onLaterResponse: (r) => this.recordFinal(r) }),
      signal,
      null,
      req,
    );
    const runId = first.runId;
    // The boot the run lives in: a gateway restart loses every run (observed with 2026.9.6: after
    // a restart agent.wait answers `timeout` for the lost run forever).
    const bootId = this.hello?.bootId ?? null;
    const reattached = first.status !== 'accepted';
    this.log.debug('agent answered', { runId, status: first.status });

    if (first.status === 'ok') return checked(this.toResult(first, started, true));
    if (first.status !== 'accepted' && first.status !== 'in_flight') throw this.runFailed(runId, first);

    // Wait in slices until terminal.
    let waited: AgentWaitResponse;
    for (;;) {
      if (remaining() <= 0) throw timeoutError();
      const sliceMs = Math.max(1, Math.min(slice, remaining()));
      // connect() retries with backoff for up to connectTimeoutMs; when the gateway stays
      // unreachable that long, its `connection` error ends this call (transient: the caller's
      // retry policy decides, instead of this attempt sitting out its whole budget).
      await this.withAbort(this.connect(), signal, runId, req);
      if (bootId !== null && this.hello?.bootId && this.hello.bootId !== bootId) {
        throw new GatewayError(
          'connection',
          `gateway restarted while agent run ${runId} was in flight (boot ${bootId} -> ${this.hello.bootId}); the run is lost`,
          { code: CLIENT_ERROR_CODES.GATEWAY_RESTARTED },
        );
      }
      try {
        waited = await this.withAbort(
          this.request('agent.wait', { runId, timeoutMs: sliceMs }, AgentWaitResponse, { timeoutMs: sliceMs + 15_000 }),
          signal,
          runId,
          req,
        );
      } catch (e) {
        // A dropped socket does not end the run: reconnect (connect() backs off) and keep waiting
        // within the budget, unless the gateway came back as a new process.
        if (
          e instanceof GatewayError &&
          e.code !== CLIENT_ERROR_CODES.GATEWAY_RESTARTED &&
          (e.kind === 'connection' || e.kind === 'unavailable') &&
          remaining() > 0 &&
          !this.closed
        ) {
          this.log.warn('agent.wait interrupted, reconnecting', { runId, kind: e.kind });
          await sleep(Math.min(e.retryAfterMs ?? this.reconnectBaseMs, Math.max(1, remaining())), signal);
          if (signal?.aborted) await this.withAbort(Promise.resolve(), signal, runId, req);
          continue;
        }
        throw e;
      }
      if (waited.status === 'ok') break;
      // `timeout` = still running, unless it carries an end: then the gateway timed the run out
      // (provider idle timeout, run deadline) and `error` says why.
      if (waited.status === 'timeout' && waited.endedAt == null && waited.error === undefined) {
        req.onProgress?.();
        continue;
      }
      const msg = this.redact(waited.error !== undefined ? errorText(waited.error) : `no error text (stopReason ${waited.stopReason ?? 'unknown'})`);
      throw new GatewayError('run_failed', `agent run ${runId} ended with ${waited.status}: ${msg}`, { code: waited.status, gatewayMessage: msg });
    }

    // Usage lives only in the final `agent` answer: take the late answer on the original request
    // id if it came (it may trail agent.wait by a moment), else ask again with the same key (the
    // gateway returns the finished result without calling the model again; right after the end it
    // may still say `in_flight` for a moment).
    let final = this.takeFinal(runId) ?? (await this.waitFinal(runId, Math.min(2000, Math.max(1, remaining()))));
    while (!final || final.status === 'in_flight') {
      if (remaining() <= 0) throw timeoutError();
      if (final) await sleep(Math.min(250, Math.max(1, remaining())), signal);
      final = this.takeFinal(runId) ?? (await this.withAbort(this.request('agent', params, AgentResponse, { timeoutMs: rpcBudget() }), signal, runId, req));
    }
    if (final.status !== 'ok') throw this.runFailed(runId, final);
    return checked(this.toResult(final, started, reattached, waited));
  }

  /**
   * `sessions.patch {key, agentId, model}`: the run's session runs exactly this model (an explicit
   * session model is strict: no gateway fallback). Creates the session when it does not exist.
   */
  private async selectModel(req: RunAgentRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const model = req.model as string;
    const params: SessionsPatchParams = { key: req.sessionKey, agentId: req.agentId, model };
    try {
      const res = await this.withAbort(this.request('sessions.patch', params, SessionsPatchResponse, { timeoutMs }), signal, null, req);
      const resolved = res.resolved ? `${res.resolved.modelProvider ?? ''}/${res.resolved.model ?? ''}` : null;
      if (resolved !== null && resolved !== model) {
        throw new GatewayError('protocol', `gateway resolved model ${model} to ${resolved} for session ${req.sessionKey}`, {
          code: CLIENT_ERROR_CODES.MODEL_REJECTED,
        });
      }
      this.log.debug('session model selected', { sessionKey: req.sessionKey, model });
    } catch (e) {
      if (e instanceof GatewayError && e.kind === 'protocol' && e.code === 'INVALID_REQUEST') {
        throw new GatewayError('protocol', `gateway refused model ${model} for session ${req.sessionKey}: ${e.gatewayMessage ?? e.message}`, {
          code: CLIENT_ERROR_CODES.MODEL_REJECTED,
          ...(e.gatewayMessage !== undefined ? { gatewayMessage: e.gatewayMessage } : {}),
          cause: e,
        });
      }
      throw e;
    }
  }

  /**
   * An unpinned run that reports a model other than the one asked for: the gateway's config
   * changed since it was read. The run's result stands (the attempt records and prices the model
   * that ran); the next runs read the config again.
   */
  private checkUnpinned(req: RunAgentRequest, r: AgentRunResult): AgentRunResult {
    if (r.provider !== null && r.model !== null && `${r.provider}/${r.model}` !== req.model) {
      this.log.warn('unpinned agent run ran another model than its agent primary; pinning again after a new read', {
        idempotencyKey: req.idempotencyKey,
        requested: req.model,
        ran: `${r.provider}/${r.model}`,
      });
      this.primaries.forget();
    }
    return r;
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

  private toResult(r: AgentResponse, started: number, reattached: boolean, waited?: AgentWaitResponse): AgentRunResult {
    const meta = r.result?.meta?.agentMeta;
    const effective = waited?.terminalReceipt?.effective;
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
      provider: meta?.provider ?? effective?.provider ?? null,
      model: meta?.model ?? effective?.model ?? null,
      usage: { input, output, cacheRead, cacheWrite, total: u?.total ?? input + output + cacheRead + cacheWrite },
      gatewayCostUsd: u?.cost?.total ?? null,
      durationMs: r.result?.meta?.durationMs ?? Date.now() - started,
      reattached,
    };
  }

  /**
   * Races `p` against the abort signal. On abort: best-effort `sessions.abort` for the run (when
   * its id is known; before that, the idempotency key, which the gateway uses as the runId),
   * then reject with the signal's reason (after at most 5 s when the gateway does not answer).
   */
  private async withAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, runId: string | null, req: RunAgentRequest): Promise<T> {
    if (!signal) return p;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // Wait for the abort to reach the gateway, but not longer than 5 s (it may be down).
        void Promise.race([this.abortRun({ key: req.sessionKey, runId: runId ?? req.idempotencyKey, agentId: req.agentId }), sleep(5000)]).finally(() =>
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
      aborted.catch(() => undefined);
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
