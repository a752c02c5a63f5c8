import type { PrismaClient } from '../../persistence/prisma-client';
import { sql, sqlFragment, type SqlFragment, type SqlPool, type SqlStatement } from '../../persistence/sql';
import type { FailureClass } from '../../runtime/failures';

/** Natural key of an attempt row: a retried activity writes the same row, never a second one. */
export interface AttemptKey {
  commandId: string;
  attemptNumber: number;
}

export interface AttemptStart extends AttemptKey {
  workflowId: string;
  workflowRunId: string;
  activityId: string;
  idempotencyKey: string;
  traceId: string;
  startedAt: Date;
  reattached: boolean;
  /** The model the attempt was sent to; a success overwrites it with what the gateway reports. */
  provider: string;
  model: string;
  /** The pipeline step (null for a single-step command). */
  step: string | null;
}

export interface AttemptSuccess extends AttemptKey {
  provider: string | null;
  model: string | null;
  gatewayRunId: string;
  tokensIn: number;
  tokensOut: number;
  tokensCacheRead: number;
  tokensCacheWrite: number;
  costUsd: number;
  gatewayCostUsd: number | null;
  finishedAt: Date;
  durationMs: number;
}

export interface AttemptFailure extends AttemptKey {
  errorClass: FailureClass;
  errorMessage: string;
  finishedAt: Date;
  durationMs: number;
}

export class AttemptProjection {
  /** `db`: the hot-path pool (start and outcome of every attempt); `prisma`: the rare lost-answer path. */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly db: SqlPool,
  ) {}

  async started(a: AttemptStart): Promise<void> {
    await this.db.query(sql`${this.startRow(a)}`);
  }

  /**
   * The attempt's row as a statement piece, for a statement of its own or for the run start's
   * (CommandProjection.runStarted): one round trip for both. ON CONFLICT DO NOTHING: a re-delivered
   * start (activity retried after a lost completion) never resets a finished row. Raw, because
   * createMany wraps its INSERT in BEGIN/COMMIT: three round trips where one does.
   */
  startRow(a: AttemptStart): SqlFragment {
    return sqlFragment`
      INSERT INTO runtime_command_attempts
             (id, command_id, attempt_number, workflow_id, workflow_run_id, activity_id, status, provider, model, idempotency_key, trace_id, started_at, reattached, step)
      VALUES (${`${a.commandId}:${a.attemptNumber}`}, ${a.commandId}, ${a.attemptNumber}, ${a.workflowId}, ${a.workflowRunId}, ${a.activityId}, 'running',
              ${a.provider}, ${a.model}, ${a.idempotencyKey}, ${a.traceId}, ${a.startedAt}, ${a.reattached}, ${a.step})
      ON CONFLICT DO NOTHING`;
  }

  /**
   * The previous attempt, when its answer never reached Temporal, so its gateway run may have
   * finished unseen: either it is still 'running' (the worker died, the activity timed out; it is
   * closed as a timeout here) or it recorded a success whose completion Temporal lost (an
   * overloaded server, a worker that died right after). Its idempotency key is handed to the next
   * attempt, which re-attaches to the same gateway run instead of calling the model again;
   * `usageRecorded` says the usage of that run is already on the earlier row.
   */
  async lostPredecessor(
    a: AttemptKey & { startedAt: Date; step: string | null; model: string; sameActivity: boolean },
  ): Promise<{ idempotencyKey: string; usageRecorded: boolean } | null> {
    const previous = await this.prisma.runtimeCommandAttempt.findUnique({
      where: { commandId_attemptNumber: { commandId: a.commandId, attemptNumber: a.attemptNumber - 1 } },
    });
    // Only the same call can be handed over: same pipeline step, same model.
    if (!previous || previous.step !== a.step || previous.model !== a.model) return null;
    if (previous.status === 'succeeded') {
      return (await this.successLost(a, previous)) ? { idempotencyKey: previous.idempotencyKey, usageRecorded: true } : null;
    }
    if (previous.status !== 'running') return null;
    await this.prisma.runtimeCommandAttempt.updateMany({
      where: { id: previous.id, status: 'running' },
      data: {
        status: 'failed',
        errorClass: 'timeout',
        errorMessage: `answer lost (worker stopped or activity timed out); attempt ${a.attemptNumber} re-attached to its gateway run`,
        finishedAt: a.startedAt,
        durationMs: a.startedAt.getTime() - previous.startedAt.getTime(),
      },
    });
    return { idempotencyKey: previous.idempotencyKey, usageRecorded: false };
  }

  /**
   * Whether a recorded success of the same step and model is one Temporal never got. Within one
   * activity it must be (the activity is retried only because its completion was lost). Across a
   * round boundary it is too, since a round starts only after the last one failed: under provider
   * fallback a round is one attempt, so a success whose completion was lost (the worker killed
   * right after writing it) ends its round with a timeout. The exception is a dead letter parked
   * or replayed since: the replay may carry another input, so the step is run afresh.
   */
  private async successLost(a: AttemptKey & { sameActivity: boolean }, previous: { startedAt: Date }): Promise<boolean> {
    if (a.sameActivity) return true;
    const parked = await this.prisma.runtimeDeadLetter.findUnique({ where: { commandId: a.commandId }, select: { updatedAt: true } });
    return parked === null || parked.updatedAt < previous.startedAt;
  }

  /** One statement, like started(): the ORM's update compiled its query on every attempt (bench/README.md). */
  async succeeded(a: AttemptSuccess): Promise<void> {
    await this.finish(a, sql`${this.successRow(a)}`);
  }

  /** The success as a statement piece, for the command outcome's statement too (CommandProjection.outcome). */
  successRow(a: AttemptSuccess): SqlFragment {
    return sqlFragment`
      UPDATE runtime_command_attempts
         SET status = 'succeeded', error_class = NULL, error_message = NULL, provider = ${a.provider}, model = ${a.model},
             gateway_run_id = ${a.gatewayRunId}, tokens_in = ${a.tokensIn}, tokens_out = ${a.tokensOut},
             tokens_cache_read = ${a.tokensCacheRead}, tokens_cache_write = ${a.tokensCacheWrite},
             cost_usd = ${decimal(a.costUsd)}::numeric, gateway_cost_usd = ${a.gatewayCostUsd === null ? null : decimal(a.gatewayCostUsd)}::numeric,
             finished_at = ${a.finishedAt}, duration_ms = ${a.durationMs}
       WHERE command_id = ${a.commandId} AND attempt_number = ${a.attemptNumber}`;
  }

  async failed(a: AttemptFailure): Promise<void> {
    await this.finish(a, sql`
      UPDATE runtime_command_attempts
         SET status = 'failed', error_class = ${a.errorClass}, error_message = ${a.errorMessage}, finished_at = ${a.finishedAt}, duration_ms = ${a.durationMs}
       WHERE command_id = ${a.commandId} AND attempt_number = ${a.attemptNumber}`);
  }

  /** A missing row is an error the activity retries (its start is written first, so it is a bug or a race with a purge). */
  private async finish(a: AttemptKey, update: SqlStatement): Promise<void> {
    const { rowCount } = await this.db.query(update);
    if (rowCount !== 1) throw new Error(`attempt ${a.attemptNumber} of command ${a.commandId} not found: its outcome was not recorded`);
  }
}

/** A dollar amount as numeric text (the float's shortest form, as Prisma's Decimal took it); the column rounds it to six decimals. */
function decimal(usd: number): string {
  return String(usd);
}
