import { randomUUID } from 'node:crypto';
import type { CommandEnvelope } from '../runtime/command';
import type { RuntimeEvent, RuntimeEventType } from '../runtime/events';
import type { AlertState, SloReport } from '../runtime/slo';
import type { ScheduleView, SyncReport } from '../runtime/schedules';
import { readSse } from './sse';

/**
 * Typed client of the runtime's HTTP API (the contract is /openapi.json). It imports only the pure
 * contracts in runtime/, never server code. Every call that is safe to repeat is retried on 429,
 * 503 and network errors, waiting what Retry-After says (else exponential backoff with jitter):
 * submissions always carry an Idempotency-Key and replays a replayId, so a retry never runs
 * anything twice.
 */
export interface RuntimeClientOptions {
  baseUrl: string;
  /** Bearer token: a Supabase JWT or a service API key (sik_...). Its identity is the audit trail's "who". */
  token?: string;
  headers?: Record<string, string>;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

export type CommandStatus = 'accepted' | 'running' | 'succeeded' | 'failed' | 'dead_lettered' | 'cancelled';
export const TERMINAL_STATUSES: readonly CommandStatus[] = ['succeeded', 'failed', 'dead_lettered', 'cancelled'];

export interface AttemptView {
  attemptNumber: number;
  status: string;
  provider: string | null;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  errorClass: string | null;
  durationMs: number | null;
  [key: string]: unknown;
}

export interface CommandView {
  commandId: string;
  workflowId: string;
  status: CommandStatus;
  statusUrl: string;
  traceId: string;
  /** null for a shadow command: its answer is shadowResult, for comparison only. */
  result?: unknown;
  /** false when the command ran in shadow mode beside the legacy executor. */
  authoritative?: boolean;
  shadowResult?: unknown;
  attempts?: AttemptView[];
  [key: string]: unknown;
}

export interface DeadLetterView {
  commandId: string;
  status: string;
  agentFamily: string;
  errorClass: string;
  errorMessage: string;
  attempts: number;
  [key: string]: unknown;
}

export interface DeadLetterFilter {
  status?: string;
  agentFamily?: string;
  errorClass?: string;
  from?: string;
  to?: string;
}

export interface StreamedEvent extends RuntimeEvent {
  id: string;
}

export class RuntimeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'RuntimeApiError';
  }
}

interface CallOptions {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Network errors are retried only when repeating the call cannot do anything twice. */
  idempotent: boolean;
}

export class RuntimeClient {
  private readonly baseUrl: string;
  private readonly retry: Required<NonNullable<RuntimeClientOptions['retry']>>;

  constructor(private readonly opts: RuntimeClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.retry = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, ...opts.retry };
  }

  // ---------------------------------------------------------------- commands

  submit(envelope: CommandEnvelope, opts: { idempotencyKey?: string; traceparent?: string } = {}): Promise<CommandView> {
    const headers: Record<string, string> = { 'Idempotency-Key': opts.idempotencyKey ?? `client-${randomUUID()}` };
    if (opts.traceparent) headers.traceparent = opts.traceparent;
    return this.call({ method: 'POST', path: '/v1/commands', body: envelope, headers, idempotent: true });
  }

  get(commandId: string): Promise<CommandView> {
    return this.call({ method: 'GET', path: `/v1/commands/${encodeURIComponent(commandId)}`, idempotent: true });
  }

  /** Polls until the command reaches a terminal status (or one of `until`), or the timeout passes. */
  async waitFor(commandId: string, opts: { timeoutMs?: number; intervalMs?: number; until?: readonly CommandStatus[]; onUpdate?: (c: CommandView) => void } = {}): Promise<CommandView> {
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    const until = opts.until ?? TERMINAL_STATUSES;
    for (;;) {
      const command = await this.get(commandId);
      opts.onUpdate?.(command);
      if (until.includes(command.status)) return command;
      if (Date.now() > deadline) throw new Error(`command ${commandId} is still ${command.status} after ${opts.timeoutMs ?? 300_000} ms`);
      await sleep(opts.intervalMs ?? 500);
    }
  }

  /** Re-runs a finished command as a new one (same or new input). */
  replayCommand(commandId: string, body: { input?: Record<string, unknown>; reason?: string } = {}, opts: { idempotencyKey?: string } = {}): Promise<CommandView> {
    const headers = { 'Idempotency-Key': opts.idempotencyKey ?? `client-${randomUUID()}` };
    return this.call({ method: 'POST', path: `/v1/commands/${encodeURIComponent(commandId)}/replay`, body, headers, idempotent: true });
  }

  // ------------------------------------------------------------ dead letters

  listDeadLetters(filter: DeadLetterFilter & { limit?: number; cursor?: string } = {}): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    return this.call({ method: 'GET', path: `/admin/runtime/dead-letters${query(filter)}`, idempotent: true });
  }

  getDeadLetter(commandId: string): Promise<DeadLetterView & { attemptHistory: AttemptView[]; audit: unknown[] }> {
    return this.call({ method: 'GET', path: `/admin/runtime/dead-letters/${encodeURIComponent(commandId)}`, idempotent: true });
  }

  replayDeadLetter(commandId: string, body: { reason: string; replayId?: string; inputPatch?: Record<string, unknown> }): Promise<{ outcome: 'signalled' | 'started' | 'duplicate'; replayId: string }> {
    // A replay id makes the replay at-most-once, so it may be retried safely.
    const withId = { ...body, replayId: body.replayId ?? `client-${randomUUID()}` };
    return this.call({ method: 'POST', path: `/admin/runtime/dead-letters/${encodeURIComponent(commandId)}/replay`, body: withId, idempotent: true });
  }

  bulkReplayDeadLetters(body: { filter?: Omit<DeadLetterFilter, 'status'>; reason: string; limit?: number }): Promise<{ jobId: string; requested: number; failed: unknown[]; items: unknown[] }> {
    return this.call({ method: 'POST', path: '/admin/runtime/dead-letters/replay', body, idempotent: false });
  }

  replayJob(jobId: string): Promise<{ summary: Record<string, number>; notCompleted: { commandId: string }[] }> {
    return this.call({ method: 'GET', path: `/admin/runtime/replay-jobs/${encodeURIComponent(jobId)}`, idempotent: true });
  }

  discardDeadLetter(commandId: string, reason: string): Promise<{ commandId: string; outcome: string }> {
    return this.call({ method: 'POST', path: `/admin/runtime/dead-letters/${encodeURIComponent(commandId)}/discard`, body: { reason }, idempotent: false });
  }

  // --------------------------------------------------------------- schedules

  listSchedules(): Promise<{ items: ScheduleView[] }> {
    return this.call({ method: 'GET', path: '/admin/runtime/schedules', idempotent: true });
  }

  syncSchedules(dryRun = false): Promise<SyncReport> {
    return this.call({ method: 'POST', path: `/admin/runtime/schedules/sync${query({ dryRun: String(dryRun) })}`, idempotent: true });
  }

  pauseSchedule(name: string, note: string): Promise<ScheduleView> {
    return this.call({ method: 'POST', path: `/admin/runtime/schedules/${encodeURIComponent(name)}/pause`, body: { note }, idempotent: true });
  }

  unpauseSchedule(name: string, note: string): Promise<ScheduleView> {
    return this.call({ method: 'POST', path: `/admin/runtime/schedules/${encodeURIComponent(name)}/unpause`, body: { note }, idempotent: true });
  }

  /** Not retried: a repeated trigger would fire twice. */
  triggerSchedule(name: string, overlap?: string): Promise<{ name: string; triggered: true }> {
    return this.call({ method: 'POST', path: `/admin/runtime/schedules/${encodeURIComponent(name)}/trigger`, body: overlap ? { overlap } : {}, idempotent: false });
  }

  // ---------------------------------------------------------- service levels

  slo(windowMinutes = 1440): Promise<{ window: { from: string; to: string }; slo: SloReport; alerts: AlertState[] }> {
    return this.call({ method: 'GET', path: `/admin/runtime/slo${query({ windowMinutes })}`, idempotent: true });
  }

  // ------------------------------------------------------------------ events

  /**
   * Lifecycle events as they happen, for as long as the caller iterates (or until `signal`).
   * A dropped stream is resumed with Last-Event-ID, so nothing is missed or repeated.
   */
  async *events(filter: { commandId?: string; workflowId?: string; agentFamily?: string; type?: RuntimeEventType[]; since?: string } = {}, opts: { signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<StreamedEvent> {
    let lastEventId = opts.lastEventId;
    let reconnectMs = 1_000;
    let failures = 0;
    const params = query({ ...filter, type: filter.type?.join(',') });
    while (!opts.signal?.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...this.authHeaders(), ...this.opts.headers };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        // Last-Event-ID wins over `since` on the server, so a resumed stream continues where it was.
        const res = await fetch(`${this.baseUrl}/admin/runtime/events${params}`, { headers, signal: opts.signal });
        if (!res.ok || !res.body) throw await apiError(res);
        failures = 0;
        for await (const frame of readSse(res.body)) {
          if (frame.retry !== undefined) reconnectMs = frame.retry;
          if (!frame.data) continue;
          if (frame.id) lastEventId = frame.id;
          yield JSON.parse(frame.data) as StreamedEvent;
        }
      } catch (err) {
        if (opts.signal?.aborted) return;
        if (err instanceof RuntimeApiError && err.status < 500 && err.status !== 429) throw err;
        if (++failures >= this.retry.maxAttempts * 4) throw err;
        await sleep(err instanceof RuntimeApiError && err.retryAfterMs !== undefined ? err.retryAfterMs : reconnectMs);
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  private authHeaders(): Record<string, string> {
    return this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {};
  }

  private async call<T>(c: CallOptions): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${c.path}`, {
          method: c.method,
          headers: { ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.authHeaders(), ...this.opts.headers, ...c.headers },
          body: c.body === undefined ? undefined : JSON.stringify(c.body),
        });
      } catch (err) {
        if (!c.idempotent || attempt >= this.retry.maxAttempts) throw err;
        await sleep(this.backoff(attempt));
        continue;
      }
      if (res.ok) return (await res.json()) as T;
      const error = await apiError(res);
      // 429 and 503 mean the server did nothing; repeating is safe for every call.
      if ((res.status === 429 || res.status === 503) && attempt < this.retry.maxAttempts) {
        await sleep(Math.min(error.retryAfterMs ?? this.backoff(attempt), this.retry.maxDelayMs));
        continue;
      }
      throw error;
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
    return exp / 2 + Math.random() * (exp / 2);
  }
}

async function apiError(res: Response): Promise<RuntimeApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  const err = (body as { error?: { code?: string; message?: string } })?.error;
  const retryAfter = res.headers.get('retry-after');
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return new RuntimeApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText), body, seconds);
}

function query(params: object): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
