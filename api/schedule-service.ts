import { type Client, type ScheduleDescription, type ScheduleOverlapPolicy } from '@temporalio/client';
import type { Logger } from '../infra/logger';
import { Prisma, type AgentConfiguration, type PrismaClient } from '../persistence/prisma-client';
import { describeScheduleIfAny } from '../schedules/describe';
import { declaresSchedule } from '../schedules/desired';
import { syncSchedules, type SyncReport } from '../schedules/sync';
import type { AdminContext } from './admin/actor';
import { ApiError } from './errors';
import type { ScheduleView } from '../runtime/schedules';



/**
 * The admin side of schedules: the rows of agent_configurations that declare one, with what
 * Temporal says of each (next and last runs, skips), and the operator actions on them. Every
 * action is audited in runtime_admin_audit before it is carried out.
 */
export class ScheduleService {
  constructor(
    private readonly deps: { prisma: PrismaClient; temporal: Client; taskQueue: string; idPrefix: string; logger: Logger },
  ) {}

  async list(): Promise<ScheduleView[]> {
    const rows = (await this.deps.prisma.agentConfiguration.findMany({ orderBy: { name: 'asc' } })).filter(declaresSchedule);
    return Promise.all(rows.map(async (row) => this.view(row, await this.describe(row.name))));
  }

  async get(name: string): Promise<ScheduleView> {
    const row = await this.row(name);
    return this.view(row, await this.describe(name));
  }

  async sync(dryRun: boolean, ctx: AdminContext): Promise<SyncReport> {
    const report = await syncSchedules(this.deps, { dryRun });
    await this.audit(ctx, 'schedule.sync', '*', dryRun ? 'planned' : 'applied', { ...report });
    return report;
  }

  async pause(name: string, note: string, ctx: AdminContext): Promise<ScheduleView> {
    await this.synced(name);
    await this.audit(ctx, 'schedule.pause', name, 'paused', { note });
    await this.handle(name).pause(`${note} (by ${ctx.actor})`);
    return this.get(name);
  }

  async unpause(name: string, note: string, ctx: AdminContext): Promise<ScheduleView> {
    await this.synced(name);
    await this.audit(ctx, 'schedule.unpause', name, 'unpaused', { note });
    await this.handle(name).unpause(`${note} (by ${ctx.actor})`);
    return this.get(name);
  }

  async trigger(name: string, overlap: ScheduleOverlapPolicy | undefined, ctx: AdminContext): Promise<void> {
    await this.synced(name);
    await this.audit(ctx, 'schedule.trigger', name, 'triggered', { overlap: overlap ?? null });
    await this.handle(name).trigger(overlap);
  }

  async backfill(name: string, window: { start: Date; end: Date; overlap?: ScheduleOverlapPolicy }, ctx: AdminContext): Promise<void> {
    await this.synced(name);
    await this.audit(ctx, 'schedule.backfill', name, 'backfilled', { start: window.start.toISOString(), end: window.end.toISOString(), overlap: window.overlap ?? null });
    await this.handle(name).backfill({ start: window.start, end: window.end, ...(window.overlap ? { overlap: window.overlap } : {}) });
  }

  private handle(name: string) {
    return this.deps.temporal.schedule.getHandle(`${this.deps.idPrefix}${name}`);
  }

  private async row(name: string): Promise<AgentConfiguration> {
    const row = await this.deps.prisma.agentConfiguration.findUnique({ where: { name } });
    if (!row || !declaresSchedule(row)) throw new ApiError(404, 'not_found', `No schedule named ${name} in agent_configurations`);
    return row;
  }

  /** Operator actions need the schedule in Temporal: a row not yet synced answers 409. */
  private async synced(name: string): Promise<ScheduleDescription> {
    await this.row(name);
    const description = await this.describe(name);
    if (!description) throw new ApiError(409, 'schedule_not_synced', `Schedule ${name} is not in Temporal yet; run POST /admin/runtime/schedules/sync`, { name });
    return description;
  }

  private describe(name: string): Promise<ScheduleDescription | undefined> {
    return describeScheduleIfAny(this.deps.temporal, `${this.deps.idPrefix}${name}`);
  }

  private view(row: AgentConfiguration, d: ScheduleDescription | undefined): ScheduleView {
    const last = d?.info.recentActions.at(-1);
    return {
      name: row.name,
      scheduleId: `${this.deps.idPrefix}${row.name}`,
      agentFamily: row.agentFamily,
      action: row.action,
      cron: row.scheduleCron,
      intervalSeconds: row.scheduleIntervalSeconds,
      timezone: row.timezone,
      jitterSeconds: row.jitterSeconds,
      overlapPolicy: row.overlapPolicy,
      enabled: row.enabled,
      synced: d !== undefined,
      paused: d?.state.paused ?? null,
      note: d?.state.note ?? null,
      nextRunTimes: (d?.info.nextActionTimes ?? []).slice(0, 3).map((t) => t.toISOString()),
      lastRun: last ? { scheduledAt: last.scheduledAt.toISOString(), startedAt: last.takenAt.toISOString(), workflowId: last.action.workflow.workflowId } : null,
      actionsTaken: d?.info.numActionsTaken ?? 0,
      skippedOverlap: d?.info.numActionsSkippedOverlap ?? 0,
      missedCatchupWindow: d?.info.numActionsMissedCatchupWindow ?? 0,
      running: d?.info.runningActions.length ?? 0,
    };
  }

  private async audit(ctx: AdminContext, action: string, name: string, outcome: string, details: Record<string, unknown>): Promise<void> {
    await this.deps.prisma.runtimeAdminAudit.create({
      data: { actor: ctx.actor, action, targetType: 'schedule', targetId: name, traceId: ctx.traceId, outcome, details: details as Prisma.InputJsonObject },
    });
  }
}
