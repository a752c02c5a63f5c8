import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../infra/logger';
import { Prisma, type PrismaClient } from '../persistence/prisma-client';
import type { SyncReport } from '../runtime/schedules';
import { describeScheduleIfAny } from './describe';
import { SCHEDULE_MEMO, declaresSchedule, desiredSchedule, scheduleRowSchema, type DesiredSchedule } from './desired';

export type { SyncReport } from '../runtime/schedules';

export interface SyncDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  /** RUNTIME_SCHEDULE_ID_PREFIX: schedules with this prefix are the sync's to create, change and delete. */
  idPrefix: string;
  logger: Logger;
}

/** Serialises syncs across processes (workers starting together, an admin's sync): one plan at a time. */
const SYNC_LOCK_KEY = 72707370;

/**
 * Makes Temporal's schedules match agent_configurations: creates missing ones, updates changed
 * ones, pauses disabled ones (and unpauses re-enabled ones), deletes those whose row is gone.
 * Idempotent: a second sync is a no-op. With `dryRun` it only reports the plan.
 */
export async function syncSchedules(deps: SyncDeps, opts: { dryRun?: boolean } = {}): Promise<SyncReport> {
  const report: SyncReport = { dryRun: opts.dryRun === true, created: [], updated: [], paused: [], unpaused: [], deleted: [], unchanged: [], invalid: [] };
  await deps.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw(Prisma.sql`SELECT pg_advisory_xact_lock(${SYNC_LOCK_KEY})`);
      const rows = (await tx.agentConfiguration.findMany({ orderBy: { name: 'asc' } })).filter(declaresSchedule);
      const desired: DesiredSchedule[] = [];
      const keep = new Set<string>();
      for (const row of rows) {
        keep.add(`${deps.idPrefix}${row.name}`);
        const parsed = scheduleRowSchema.safeParse(row);
        if (parsed.success) desired.push(desiredSchedule(parsed.data, { idPrefix: deps.idPrefix, taskQueue: deps.taskQueue }));
        else report.invalid.push({ name: row.name, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      }
      for (const d of desired) await reconcile(deps, d, report);
      for await (const summary of deps.temporal.schedule.list()) {
        if (!summary.scheduleId.startsWith(deps.idPrefix) || keep.has(summary.scheduleId)) continue;
        // The list is eventually consistent: a schedule deleted a moment ago may still be in it.
        if (!(await exists(deps, summary.scheduleId))) continue;
        report.deleted.push(summary.scheduleId);
        if (!report.dryRun) await deps.temporal.schedule.getHandle(summary.scheduleId).delete().catch(ignoreNotFound);
      }
    },
    { timeout: 120_000, maxWait: 120_000 },
  );
  deps.logger.info('schedules synced', { ...report, invalid: report.invalid.map((i) => i.name) });
  return report;
}

async function reconcile(deps: SyncDeps, d: DesiredSchedule, report: SyncReport): Promise<void> {
  const handle = deps.temporal.schedule.getHandle(d.scheduleId);
  const current = await describeScheduleIfAny(deps.temporal, d.scheduleId);
  if (!current) {
    report.created.push(d.scheduleId);
    if (!report.dryRun) await deps.temporal.schedule.create(d.options).catch((err) => (err instanceof ScheduleAlreadyRunning ? undefined : Promise.reject(err)));
    return;
  }
  const memo = (current.action as { memo?: Record<string, unknown> }).memo ?? {};
  const specChanged = memo[SCHEDULE_MEMO.specHash] !== d.specHash;
  // Only a change of the row's `enabled` pauses or unpauses: an admin's pause (API, Temporal UI) stays.
  const enabledChanged = memo[SCHEDULE_MEMO.enabled] !== d.enabled;
  if (!specChanged && !enabledChanged) {
    report.unchanged.push(d.scheduleId);
    return;
  }
  if (specChanged) report.updated.push(d.scheduleId);
  if (enabledChanged) (d.enabled ? report.unpaused : report.paused).push(d.scheduleId);
  if (report.dryRun) return;
  await handle.update((prev) => ({
    spec: d.options.spec,
    action: d.options.action,
    policies: d.options.policies ?? {},
    state: enabledChanged ? { paused: !d.enabled, note: d.options.state?.note } : { paused: prev.state.paused, ...(prev.state.note ? { note: prev.state.note } : {}) },
  }));
}

async function exists(deps: SyncDeps, scheduleId: string): Promise<boolean> {
  return (await describeScheduleIfAny(deps.temporal, scheduleId)) !== undefined;
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ScheduleNotFoundError)) throw err;
}
