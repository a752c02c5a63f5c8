import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Logger } from '../infra/logger';
import { Prisma, type PrismaClient, type RuntimeDeadLetter } from '../persistence/prisma-client';
import type { SqlPool } from '../persistence/sql';
import { commandInputSchema } from '../runtime/router';
import { DISCARD_SIGNAL, REPLAY_SIGNAL, type DiscardSignal, type ReplaySignal } from '../runtime/dead-letters';
import { workflowStartFor, type StartSettings } from '../commands/workflow-start';
import type { AdminContext } from './admin/actor';
import { ApiError, invalidRequest } from './errors';
import { commandSearchAttributes } from '../runtime/search-attributes';

export type { AdminContext };

export interface ReplayOutcome {
  commandId: string;
  replayId: string;
  /** signalled: sent to the parked workflow; started: a new run (the parked one had expired); duplicate: this replay id was seen before. */
  outcome: 'signalled' | 'started' | 'duplicate';
}

export interface DeadLetterFilter {
  status?: RuntimeDeadLetter['status'];
  agentFamily?: string;
  errorClass?: string;
  from?: Date;
  to?: Date;
}

/**
 * The dead-letter / replay manager's API side. The parked workflow owns the decision (it may be
 * signalled from the Temporal UI too); this service checks what it can up front so a client gets
 * a clear 4xx instead of a silently ignored signal, and audits every request.
 */
export class DeadLetterService {
  constructor(
    private readonly prisma: PrismaClient,
    /** The hot-path pool: a restart's policy read (commands/policy-for-command.ts). */
    private readonly sqlPool: SqlPool,
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly start: StartSettings,
    private readonly logger: Logger,
  ) {}

  where(f: DeadLetterFilter): Prisma.RuntimeDeadLetterWhereInput {
    return {
      ...(f.status ? { status: f.status } : {}),
      ...(f.agentFamily ? { agentFamily: f.agentFamily } : {}),
      ...(f.errorClass ? { errorClass: f.errorClass } : {}),
      ...(f.from || f.to ? { createdAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
    };
  }

  async get(commandId: string): Promise<RuntimeDeadLetter> {
    const dl = await this.prisma.runtimeDeadLetter.findUnique({ where: { commandId } });
    if (!dl) throw new ApiError(404, 'not_found', `No dead letter for command ${commandId}`);
    return dl;
  }

  async replay(commandId: string, req: { replayId?: string; reason: string; inputPatch?: Record<string, unknown> }, ctx: AdminContext): Promise<ReplayOutcome> {
    const replayId = req.replayId ?? randomUUID();
    const seen = await this.prisma.runtimeAdminAudit.findUnique({ where: { dedupeKey: `replay-request:${replayId}` } });
    if (seen) {
      if (seen.targetId !== commandId) throw new ApiError(409, 'replay_id_reused', `Replay id ${replayId} was used for command ${seen.targetId}`);
      return { commandId, replayId, outcome: 'duplicate' };
    }
    const dl = await this.get(commandId);
    // The same replay id raced in through the Temporal UI and is already under way (or done): a repeat, not a conflict.
    if (dl.lastReplayId === replayId) return { commandId, replayId, outcome: 'duplicate' };
    if (dl.status !== 'parked' && dl.status !== 'expired') {
      throw new ApiError(409, 'dead_letter_not_replayable', `Dead letter is ${dl.status}; only parked or expired dead letters can be replayed`, {
        status: dl.status,
        lastReplayId: dl.lastReplayId,
      });
    }
    const command = await this.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandId } });
    const input = { ...(command.input as Record<string, unknown>), ...(req.inputPatch ?? {}) };
    if (req.inputPatch) {
      const parsed = commandInputSchema(command.agentFamily, command.action)?.safeParse(input);
      if (parsed && !parsed.success) {
        throw invalidRequest(parsed.error.issues.map((i) => ({ path: ['inputPatch', ...i.path].join('.'), code: i.code, message: i.message })));
      }
    }
    const signal: ReplaySignal = { replayId, actor: ctx.actor, reason: req.reason, ...(req.inputPatch ? { inputPatch: req.inputPatch } : {}) };
    const outcome: ReplayOutcome['outcome'] = dl.status === 'parked' ? 'signalled' : 'started';
    // Audit first: the dedupe key makes a raced second request with the same id a duplicate.
    try {
      await this.audit(ctx, 'dead_letter.replay_request', commandId, outcome, `replay-request:${replayId}`, { replayId, reason: req.reason, inputPatch: req.inputPatch ?? null });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return { commandId, replayId, outcome: 'duplicate' };
      throw err;
    }
    try {
      if (outcome === 'signalled') {
        await this.temporal.workflow.getHandle(dl.workflowId).signal(REPLAY_SIGNAL, signal);
      } else {
        await this.startReplayRun(dl, command, input, signal);
      }
    } catch (err) {
      // Nothing reached Temporal: undo the claim on the replay id, so the client's retry with the
      // same id runs it instead of being answered "duplicate" for a replay that never happened.
      await this.prisma.runtimeAdminAudit.deleteMany({ where: { dedupeKey: `replay-request:${replayId}` } });
      if (outcome === 'started') {
        await this.prisma.$transaction([
          this.prisma.runtimeAdminAudit.deleteMany({ where: { dedupeKey: `replay:${replayId}` } }),
          this.prisma.runtimeDeadLetter.updateMany({ where: { commandId, status: 'replaying', lastReplayId: replayId }, data: { status: 'expired', replayCount: { decrement: 1 } } }),
        ]);
      }
      this.logger.error('dead letter replay could not reach Temporal', { commandId, workflowId: dl.workflowId, traceId: ctx.traceId, replayId, error: err instanceof Error ? err.message : String(err) });
      throw new ApiError(503, 'temporal_unavailable', 'The replay could not be delivered; retry with the same replayId', { replayId }, { 'Retry-After': '5' });
    }
    this.logger.info('dead letter replay requested', { commandId, workflowId: dl.workflowId, traceId: ctx.traceId, replayId, outcome, actor: ctx.actor });
    return { commandId, replayId, outcome };
  }

  /** The parked workflow had expired: a new run of the same workflow id, numbering attempts on. */
  private async startReplayRun(dl: RuntimeDeadLetter, command: Prisma.RuntimeCommandGetPayload<object>, input: Record<string, unknown>, signal: ReplaySignal): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.runtimeDeadLetter.update({
        where: { commandId: dl.commandId },
        data: { status: 'replaying', replayCount: { increment: 1 }, lastReplayId: signal.replayId!, lastReplayAt: new Date() },
      }),
      this.prisma.runtimeAdminAudit.create({
        data: {
          actor: signal.actor,
          action: 'dead_letter.replay',
          targetType: 'command',
          targetId: dl.commandId,
          traceId: dl.traceId,
          outcome: 'accepted',
          dedupeKey: `replay:${signal.replayId}`,
          details: { replayId: signal.replayId!, reason: signal.reason, input: input as Prisma.InputJsonObject, newRun: true },
        },
      }),
    ]);
    const { workflowType, args } = await workflowStartFor(this.sqlPool, command, this.start, { input, attemptBase: dl.attempts, replayId: signal.replayId! });
    await this.temporal.workflow.start(workflowType, {
      taskQueue: this.taskQueue,
      workflowId: dl.workflowId,
      args: [args],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // The new run is found in the Temporal UI like the first one (CommandId, AgentFamily, ...).
      typedSearchAttributes: commandSearchAttributes({ ...command, commandId: command.id }),
    });
  }

  async discard(commandId: string, reason: string, ctx: AdminContext): Promise<RuntimeDeadLetter> {
    const dl = await this.get(commandId);
    if (dl.status !== 'parked') {
      throw new ApiError(409, 'dead_letter_not_discardable', `Dead letter is ${dl.status}; only a parked dead letter can be discarded`, { status: dl.status });
    }
    const signal: DiscardSignal = { actor: ctx.actor, reason };
    await this.audit(ctx, 'dead_letter.discard_request', commandId, 'signalled', null, { reason });
    await this.temporal.workflow.getHandle(dl.workflowId).signal(DISCARD_SIGNAL, signal);
    return dl;
  }

  async bulkReplay(filter: DeadLetterFilter, reason: string, limit: number, ctx: AdminContext) {
    const jobId = randomUUID();
    const targets = await this.prisma.runtimeDeadLetter.findMany({
      where: { ...this.where(filter), status: { in: ['parked', 'expired'] } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    const items: { commandId: string; replayId: string; outcome: string; error?: string }[] = [];
    for (const dl of targets) {
      const replayId = `${jobId}:${dl.commandId}`;
      try {
        const r = await this.replay(dl.commandId, { replayId, reason }, ctx);
        items.push({ commandId: dl.commandId, replayId, outcome: r.outcome });
      } catch (err) {
        items.push({ commandId: dl.commandId, replayId, outcome: 'failed', error: err instanceof Error ? err.message : String(err) });
      }
    }
    await this.audit(ctx, 'dead_letter.bulk_replay', jobId, items.some((i) => i.outcome === 'failed') ? 'partial' : 'ok', `bulk-replay:${jobId}`, {
      filter: { ...filter, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null },
      reason,
      items,
    }, 'replay_job');
    return { jobId, requested: items.length, failed: items.filter((i) => i.outcome === 'failed'), items };
  }

  /** A bulk job's items with where each command stands now. */
  async job(jobId: string) {
    const row = await this.prisma.runtimeAdminAudit.findUnique({ where: { dedupeKey: `bulk-replay:${jobId}` } });
    if (!row) throw new ApiError(404, 'not_found', `No replay job ${jobId}`);
    const items = (row.details as { items: { commandId: string; replayId: string; outcome: string; error?: string }[] }).items;
    const ids = items.map((i) => i.commandId);
    const [commands, deadLetters] = await Promise.all([
      this.prisma.runtimeCommand.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, errorClass: true } }),
      this.prisma.runtimeDeadLetter.findMany({ where: { commandId: { in: ids } }, select: { commandId: true, status: true, lastReplayId: true } }),
    ]);
    const byId = new Map(commands.map((c) => [c.id, c]));
    const letters = new Map(deadLetters.map((d) => [d.commandId, d]));
    // The command row alone cannot tell "not taken up yet" from "dead-lettered again": both read
    // dead_lettered. The dead letter can: its lastReplayId is this item's once taken up, and it
    // is 'replaying' while that replay runs.
    const stateOf = (i: (typeof items)[number]) => {
      const command = byId.get(i.commandId);
      const letter = letters.get(i.commandId);
      if (i.outcome === 'failed' || command?.status === 'succeeded') return command?.status ?? null;
      if (letter?.lastReplayId !== i.replayId) return 'pending';
      if (letter.status === 'replaying') return 'running';
      return command?.status ?? null;
    };
    const enriched = items.map((i) => ({ ...i, commandStatus: stateOf(i), errorClass: byId.get(i.commandId)?.errorClass ?? null }));
    const count = (s: string) => enriched.filter((i) => i.commandStatus === s).length;
    return {
      jobId,
      actor: row.actor,
      createdAt: row.createdAt.toISOString(),
      summary: {
        requested: items.length,
        pending: count('pending'),
        running: count('running'),
        succeeded: count('succeeded'),
        deadLettered: count('dead_lettered'),
        requestFailed: items.filter((i) => i.outcome === 'failed').length,
      },
      notCompleted: enriched.filter((i) => i.commandStatus !== 'succeeded'),
      items: enriched,
    };
  }

  private async audit(ctx: AdminContext, action: string, targetId: string, outcome: string, dedupeKey: string | null, details: Record<string, unknown>, targetType = 'command') {
    await this.prisma.runtimeAdminAudit.create({
      data: { actor: ctx.actor, action, targetType, targetId, traceId: ctx.traceId, outcome, dedupeKey, details: details as Prisma.InputJsonObject },
    });
  }
}

