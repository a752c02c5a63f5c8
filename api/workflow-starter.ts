import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CommandSetupError } from '../commands/errors';
import { workflowStartFor, type StartSettings } from '../commands/workflow-start';
import type { Logger } from '../infra/logger';
import type { PrismaClient, RuntimeCommand } from '../persistence/prisma-client';
import { sql, type SqlPool } from '../persistence/sql';
import { commandSearchAttributes } from '../runtime/search-attributes';

/** A command with the workflow type and input it starts with (resolved in the request, so setup errors answer the client). */
export interface PreparedStart {
  command: RuntimeCommand;
  workflowType: string;
  args: unknown;
}

export interface WorkflowStarterDeps {
  prisma: PrismaClient;
  /** The hot-path pool: each start's policy read and the batched start marks. */
  sqlPool: SqlPool;
  temporal: Client;
  taskQueue: string;
  start: StartSettings;
  logger: Logger;
  /** RUNTIME_START_CONCURRENCY: workflow starts in flight at once. */
  concurrency: number;
  /** RUNTIME_START_SWEEP_SECONDS, in ms: how old an unstarted command must be before the sweeper starts it. */
  sweepAfterMs: number;
}

interface Pending extends PreparedStart {
  failures: number;
  /** Settles when the first start attempt has (succeeded or failed). */
  firstAttempt: Promise<void>;
  settleFirst: () => void;
}

const MAX_BACKOFF_MS = 30_000;
const SWEEP_BATCH = 200;

/**
 * Starts command workflows for the API: the command row is the durable record (a transactional
 * outbox), so a request waits on the start for RUNTIME_START_WAIT_MS at most and answers 202
 * either way: Temporal's start latency climbs to seconds when the server is saturated
 * (bench/README.md), and the client has its answer regardless. A start that fails is retried with
 * backoff until Temporal takes it; a start lost with its process (an API killed) is found by the
 * sweeper of any API replica from `workflow_started_at IS NULL`. Starting twice is harmless: the
 * workflow id is the command's, with USE_EXISTING / REJECT_DUPLICATE.
 */
export class WorkflowStarter {
  /** Waiting or in flight, by command id: a command is never queued twice in one process. */
  private readonly pending = new Map<string, Pending>();
  private readonly waiting: Pending[] = [];
  private inFlight = 0;
  private readonly startedIds: string[] = [];
  private marking: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private firstAttemptMs = 0;

  constructor(private readonly deps: WorkflowStarterDeps) {}

  /**
   * Queues the start. The promise settles when the first attempt has, whatever its outcome (a
   * failed one is retried in the background); callers wait on it for a bounded time at most.
   */
  enqueue(prepared: PreparedStart): Promise<void> {
    const queued = this.pending.get(prepared.command.id);
    if (queued) return queued.firstAttempt;
    let settleFirst!: () => void;
    const enqueuedAt = performance.now();
    const firstAttempt = new Promise<void>((resolve) => {
      settleFirst = resolve;
    });
    void firstAttempt.then(() => this.observeFirstAttempt(performance.now() - enqueuedAt));
    const entry: Pending = { ...prepared, failures: 0, firstAttempt, settleFirst };
    this.pending.set(prepared.command.id, entry);
    this.waiting.push(entry);
    this.pump();
    return firstAttempt;
  }

  /** Starts now and waits: a client's retry of a command still unstarted, answered 503 if Temporal refuses. */
  async startNow(prepared: PreparedStart): Promise<void> {
    await this.start(prepared);
    this.markStarted(prepared.command.id);
  }

  /** Resolves what a command starts with; a setup error is the client's answer. */
  prepare(command: RuntimeCommand): Promise<PreparedStart> {
    return workflowStartFor(this.deps.sqlPool, command, this.deps.start).then(({ workflowType, args }) => ({ command, workflowType, args }));
  }

  /** Picks up unstarted commands every half sweep period (one replica is enough; several are harmless). */
  startSweeping(): void {
    const every = Math.max(500, Math.floor(this.deps.sweepAfterMs / 2));
    this.sweepTimer = setInterval(() => void this.sweep(), every);
    this.sweepTimer.unref();
  }

  /** Commands accepted longer than the sweep period ago whose start never went through. */
  async sweep(): Promise<number> {
    let rows: RuntimeCommand[];
    try {
      rows = await this.deps.prisma.runtimeCommand.findMany({
        where: { status: 'accepted', workflowStartedAt: null, createdAt: { lt: new Date(Date.now() - this.deps.sweepAfterMs) } },
        orderBy: { createdAt: 'asc' },
        take: SWEEP_BATCH,
      });
    } catch (err) {
      this.deps.logger.warn('start sweep could not read commands', { error: errorText(err) });
      return 0;
    }
    let queued = 0;
    for (const command of rows) {
      if (this.pending.has(command.id)) continue;
      try {
        void this.enqueue(await this.prepare(command));
        queued++;
      } catch (err) {
        // A row that can no longer start as configured stays visible as accepted; the log says why.
        const level = err instanceof CommandSetupError ? 'error' : 'warn';
        this.deps.logger[level]('start sweep could not prepare a command', { commandId: command.id, workflowId: command.workflowId, traceId: command.traceId, error: errorText(err) });
      }
    }
    if (queued > 0) this.deps.logger.info('start sweep queued unstarted commands', { queued });
    return queued;
  }

  /** Stops sweeping and waits (up to `timeoutMs`) for queued starts; what is left is the next sweeper's. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.size > 0 || this.marking) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const t of this.retryTimers) clearTimeout(t);
    if (this.pending.size > 0) this.deps.logger.warn('api stopped with workflow starts pending; the start sweep will pick them up', { pending: this.pending.size });
  }

  /**
   * How long a start's first attempt has recently taken from its enqueue (a moving average over
   * about the last ten): what a submission that waits on its start would wait.
   */
  get typicalFirstAttemptMs(): number {
    return this.firstAttemptMs;
  }

  private observeFirstAttempt(ms: number): void {
    this.firstAttemptMs += 0.2 * (ms - this.firstAttemptMs);
  }

  /** Starts queued, in flight or waiting to retry (the si_api_workflow_starts_pending gauge). */
  get backlog(): number {
    return this.pending.size;
  }

  private pump(): void {
    while (this.inFlight < this.deps.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.inFlight++;
      void this.attempt(entry).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async attempt(entry: Pending): Promise<void> {
    const { command } = entry;
    try {
      await this.start(entry);
      this.pending.delete(command.id);
      this.markStarted(command.id);
    } catch (err) {
      entry.failures++;
      const delayMs = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (entry.failures - 1));
      this.deps.logger.warn('workflow start failed; retrying', { commandId: command.id, workflowId: command.workflowId, traceId: command.traceId, failures: entry.failures, retryInMs: delayMs, error: errorText(err) });
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.waiting.push(entry);
        this.pump();
      }, delayMs);
      timer.unref();
      this.retryTimers.add(timer);
    } finally {
      entry.settleFirst();
    }
  }

  private async start({ command, workflowType, args }: PreparedStart): Promise<void> {
    try {
      await this.deps.temporal.workflow.start(workflowType, {
        taskQueue: this.deps.taskQueue,
        workflowId: command.workflowId,
        args: [args],
        // A running workflow with this id is ours (USE_EXISTING); a closed one must never be
        // started again by a repeated request or a sweep (REJECT_DUPLICATE).
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: commandSearchAttributes({ ...command, commandId: command.id }),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  /** Batched: one UPDATE for every start that went through while the previous one ran. */
  private markStarted(id?: string): void {
    if (id !== undefined) this.startedIds.push(id);
    if (this.marking || this.startedIds.length === 0) return;
    this.marking = this.flushMarks().finally(() => {
      this.marking = undefined;
      this.markStarted();
    });
  }

  private async flushMarks(): Promise<void> {
    while (this.startedIds.length > 0) {
      const ids = this.startedIds.splice(0);
      try {
        await this.deps.sqlPool.query(sql`
          UPDATE runtime_commands SET workflow_started_at = now() WHERE id = ANY(${ids}::text[]) AND workflow_started_at IS NULL`);
      } catch (err) {
        // Unmarked starts are only restarted by a sweep, which finds their workflow running.
        this.deps.logger.warn('could not record workflow starts', { commands: ids.length, error: errorText(err) });
        return;
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
