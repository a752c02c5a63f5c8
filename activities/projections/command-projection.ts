import type { PrismaClient } from '../../persistence/prisma-client';
import { sql, sqlFragment, type SqlFragment, type SqlPool } from '../../persistence/sql';
import type { FailureClass } from '../../runtime/failures';

export interface RunRef {
  commandId: string;
  workflowId: string;
  runId: string;
  traceId: string;
  /** Carried for lifecycle events (filterable by family); absent in histories recorded before it. */
  agentFamily?: string;
}

export interface RunStarted extends RunRef {
  workflowType: string;
  taskQueue: string;
  replayId?: string;
}

export type CommandOutcome =
  | (RunRef & { outcome: 'succeeded'; output: unknown; attempt: { attemptNumber: number; durationMs: number } })
  | (RunRef & { outcome: 'failed'; errorClass: FailureClass; errorMessage: string });

/**
 * Projects command and workflow-run state. Every write is an upsert or an absolute update keyed by
 * natural keys, and totals are recomputed from attempt rows, so running any of these twice leaves
 * the same rows as running them once.
 */
export class CommandProjection {
  /**
   * `shadowMode` is this worker's RUNTIME_SHADOW_MODE: a command completed while it is on is
   * shadow whatever it was when submitted, so after a rollback to the legacy path the runtime's
   * in-flight commands finish without authority. Shadow is never taken back (a retried outcome
   * keeps it).
   */
  constructor(
    private readonly prisma: PrismaClient,
    /** The hot-path pool: run start and outcome run once per command. */
    private readonly db: SqlPool,
    private readonly shadowMode: () => boolean = () => false,
  ) {}

  /** A run that continued as new: closed here, its successor records its own start. */
  async runContinued(r: RunRef & { historyLength: number }): Promise<void> {
    await this.prisma.runtimeWorkflowRun.updateMany({
      where: { workflowId: r.workflowId, runId: r.runId },
      data: { status: 'continued_as_new', closedAt: new Date(), currentStep: null, historyLength: r.historyLength },
    });
  }

  /**
   * The run row (kept if a retry finds it) and the command's move to running, in one statement:
   * this is on every command's path, and Prisma's transaction would take four round trips.
   * dead_lettered: a new run replaying a dead letter whose parked workflow had expired.
   * workflow_started_at: a running workflow is started, whoever started it (a schedule firing, or
   * an API whose own mark was lost), so the API's start sweep leaves it alone.
   * `attemptRow`: the agent attempt that carries the run start writes its own row in the same
   * statement (AttemptProjection.startRow).
   */
  async runStarted(r: RunStarted, attemptRow?: SqlFragment): Promise<void> {
    const attempt = attemptRow ? sqlFragment`attempt AS (${attemptRow}),` : sqlFragment``;
    await this.db.query(sql`
      WITH ${attempt} run AS (
        INSERT INTO runtime_workflow_runs (id, command_id, workflow_id, run_id, workflow_type, task_queue, status, trace_id, started_at, replay_id)
        VALUES (${r.runId}, ${r.commandId}, ${r.workflowId}, ${r.runId}, ${r.workflowType}, ${r.taskQueue}, 'running', ${r.traceId}, now(), ${r.replayId ?? null})
        ON CONFLICT DO NOTHING)
      UPDATE runtime_commands SET status = 'running', workflow_started_at = COALESCE(workflow_started_at, now()), updated_at = now()
       WHERE id = ${r.commandId} AND status IN ('accepted', 'dead_lettered')`);
  }

  /**
   * The outcome on the command, its run and the audit log, with totals recomputed from the attempt
   * rows, in one statement (one round trip instead of eight; the CTEs share one snapshot, so the
   * totals and the three writes agree). A retry rewrites the same values; completed_at keeps the
   * first. A missing command or run row is an error the activity retries, as Prisma's update was.
   * `lastAttempt`: the successful attempt that projects the outcome writes its own success in the
   * same statement (AttemptProjection.successRow); the totals take its new row in place of the
   * snapshot's, which the statement cannot see, and it must exist.
   */
  async outcome(o: CommandOutcome, lastAttempt?: { attemptNumber: number; success: SqlFragment }): Promise<void> {
    const succeeded = o.outcome === 'succeeded';
    const output = succeeded && o.output !== undefined ? JSON.stringify(o.output) : null;
    const errorClass = succeeded ? null : o.errorClass;
    const errorMessage = succeeded ? null : o.errorMessage;
    const attempts = attemptsSource(o.commandId, lastAttempt);
    const { rows: [written] } = await this.db.query<{ commands: number; runs: number; attempts: number }>(sql`
      WITH ${attempts.ctes}
      totals AS (
        SELECT count(*)::int AS attempts,
               COALESCE(SUM(tokens_in), 0)::int AS tokens_in, COALESCE(SUM(tokens_out), 0)::int AS tokens_out,
               COALESCE(SUM(cost_usd), 0) AS cost_usd, SUM(duration_ms)::int AS duration_ms,
               COALESCE(SUM(tokens_in) FILTER (WHERE workflow_run_id = ${o.runId}), 0)::int AS run_tokens_in,
               COALESCE(SUM(tokens_out) FILTER (WHERE workflow_run_id = ${o.runId}), 0)::int AS run_tokens_out,
               COALESCE(SUM(cost_usd) FILTER (WHERE workflow_run_id = ${o.runId}), 0) AS run_cost_usd
          FROM attempts
        -- No totals row, so nothing below is written, when the attempt it reports is missing.
        ${attempts.guard}),
      cmd AS (
        UPDATE runtime_commands AS c
           SET attempt_count = t.attempts, tokens_in = t.tokens_in, tokens_out = t.tokens_out, cost_usd = t.cost_usd,
               status = ${o.outcome}::command_status, result = COALESCE(${output}::jsonb, c.result),
               error_class = ${errorClass}, error_message = ${errorMessage},
               completed_at = COALESCE(c.completed_at, now()), shadow = c.shadow OR ${this.shadowMode()}, updated_at = now()
          FROM totals AS t WHERE c.id = ${o.commandId}
        RETURNING c.agent_family, c.action, c.input, c.shadow),
      run AS (
        UPDATE runtime_workflow_runs AS r
           SET status = ${succeeded ? 'completed' : 'failed'}::workflow_run_status, closed_at = now(), current_step = NULL,
               tokens_in = t.run_tokens_in, tokens_out = t.run_tokens_out, cost_usd = t.run_cost_usd
          FROM totals AS t WHERE r.workflow_id = ${o.workflowId} AND r.run_id = ${o.runId}
        RETURNING 1),
      log AS (
        INSERT INTO agent_execution_logs AS l
               (id, command_id, source, correlation_key, workflow_id, agent_family, action, status, trace_id, input, output,
                error_class, error_message, tokens_in, tokens_out, cost_usd, duration_ms, shadow, created_at)
        SELECT ${`runtime:${o.commandId}`}, ${o.commandId}, 'runtime', ${o.commandId}, ${o.workflowId}, cmd.agent_family, cmd.action, ${o.outcome}, ${o.traceId}, cmd.input, ${output}::jsonb,
               ${errorClass}, ${errorMessage}, t.tokens_in, t.tokens_out, t.cost_usd, t.duration_ms, cmd.shadow, now()
          FROM cmd, totals AS t
        ON CONFLICT (source, correlation_key) DO UPDATE
           SET workflow_id = EXCLUDED.workflow_id, agent_family = EXCLUDED.agent_family, action = EXCLUDED.action, status = EXCLUDED.status,
               trace_id = EXCLUDED.trace_id, input = EXCLUDED.input, output = COALESCE(EXCLUDED.output, l.output),
               error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message, tokens_in = EXCLUDED.tokens_in,
               tokens_out = EXCLUDED.tokens_out, cost_usd = EXCLUDED.cost_usd, duration_ms = EXCLUDED.duration_ms, shadow = EXCLUDED.shadow
        RETURNING 1)
      SELECT (SELECT count(*) FROM cmd)::int AS commands, (SELECT count(*) FROM run)::int AS runs,
             ${attempts.found} AS attempts`);
    if (!written || written.commands !== 1 || written.runs !== 1 || written.attempts !== 1) {
      throw new Error(
        `outcome of command ${o.commandId} run ${o.runId} not projected: ${written?.commands ?? 0} command rows, ${written?.runs ?? 0} run rows` +
          (lastAttempt ? `, ${written?.attempts ?? 0} rows of attempt ${lastAttempt.attemptNumber}` : ''),
      );
    }
  }
}

/**
 * Where an outcome's totals read the command's attempts. With the attempt the same statement
 * finishes (`lastAttempt`), its updated row stands in for the snapshot's; `guard` leaves no totals
 * row, so nothing is written, when that row is missing, and `found` reports whether it was there.
 */
function attemptsSource(commandId: string, lastAttempt?: { attemptNumber: number; success: SqlFragment }): { ctes: SqlFragment; guard: SqlFragment; found: SqlFragment } {
  if (!lastAttempt) {
    return {
      ctes: sqlFragment`
      attempts AS (SELECT tokens_in, tokens_out, cost_usd, duration_ms, workflow_run_id FROM runtime_command_attempts WHERE command_id = ${commandId}),`,
      guard: sqlFragment``,
      found: sqlFragment`1`,
    };
  }
  return {
    ctes: sqlFragment`
      attempt AS (${lastAttempt.success} RETURNING tokens_in, tokens_out, cost_usd, duration_ms, workflow_run_id),
      attempts AS (
        SELECT tokens_in, tokens_out, cost_usd, duration_ms, workflow_run_id FROM attempt
        UNION ALL
        SELECT tokens_in, tokens_out, cost_usd, duration_ms, workflow_run_id FROM runtime_command_attempts
         WHERE command_id = ${commandId} AND attempt_number <> ${lastAttempt.attemptNumber}),`,
    guard: sqlFragment`HAVING EXISTS (SELECT 1 FROM attempt)`,
    found: sqlFragment`(SELECT count(*) FROM attempt)::int`,
  };
}
