import { commandInputSchema } from '../../runtime/router';
import type { FailureClass } from '../../runtime/failures';
import { Prisma, type PrismaClient } from '../../persistence/prisma-client';
import type { RunRef } from './command-projection';

export interface DeadLetterParked extends RunRef {
  errorClass: FailureClass;
  errorMessage: string;
  attempts: number;
  replayableForMs: number;
}

export interface ReplayRequest extends RunRef {
  replayId: string;
  actor: string;
  reason: string;
  inputPatch?: Record<string, unknown>;
  /** The input the parked run holds; the patch applies over it. */
  input: Record<string, unknown>;
}

export type ReplayVerdict =
  | { accepted: true; input: Record<string, unknown> }
  | { accepted: false; reason: string };

export interface DeadLetterClosed extends RunRef {
  actor?: string;
  reason?: string;
}

/**
 * Dead-letter state as rows. Called from the parked workflow, so every write is keyed by the
 * command id (one dead letter per command) or by the replay id (one audit row per replay), and a
 * retried activity changes nothing the first call did not.
 */
export class DeadLetterProjection {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly replayEnabled: () => boolean,
  ) {}

  async parked(d: DeadLetterParked): Promise<void> {
    const command = await this.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: d.commandId } });
    const cost = await this.prisma.runtimeCommandAttempt.aggregate({ where: { commandId: d.commandId }, _sum: { costUsd: true } });
    const now = new Date();
    const row = {
      workflowId: d.workflowId,
      agentFamily: command.agentFamily,
      action: command.action,
      policyProfile: command.policyProfile,
      errorClass: d.errorClass,
      errorMessage: d.errorMessage.slice(0, 4000),
      attempts: d.attempts,
      costUsd: cost._sum.costUsd ?? 0,
      status: 'parked' as const,
      replayableUntil: new Date(now.getTime() + d.replayableForMs),
      traceId: d.traceId,
      resolvedAt: null,
      resolvedBy: null,
      resolutionNote: null,
    };
    await this.prisma.$transaction([
      this.prisma.runtimeDeadLetter.upsert({ where: { commandId: d.commandId }, create: { commandId: d.commandId, ...row }, update: row }),
      this.prisma.runtimeCommand.update({
        where: { id: d.commandId },
        data: { status: 'dead_lettered', errorClass: d.errorClass, errorMessage: d.errorMessage, attemptCount: d.attempts, costUsd: row.costUsd },
      }),
      this.prisma.runtimeWorkflowRun.updateMany({ where: { workflowId: d.workflowId, runId: d.runId }, data: { status: 'dead_lettered' } }),
    ]);
  }

  /**
   * Decides whether a replay signal runs. The checks live here, not in the workflow, because the
   * Temporal UI can signal directly: the gate (RUNTIME_REPLAY_ENABLED) and the at-most-once
   * guarantee must hold whichever way the signal came.
   */
  async replayRequested(r: ReplayRequest): Promise<ReplayVerdict> {
    const dedupeKey = `replay:${r.replayId}`;
    const previous = await this.prisma.runtimeAdminAudit.findUnique({ where: { dedupeKey } });
    if (previous) {
      return previous.outcome === 'accepted' && previous.targetId === r.commandId
        ? { accepted: true, input: (previous.details as { input: Record<string, unknown> }).input }
        : { accepted: false, reason: `replay ${r.replayId} was already ${previous.outcome}` };
    }
    const command = await this.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: r.commandId } });
    const input = { ...r.input, ...(r.inputPatch ?? {}) };
    const reject = async (reason: string): Promise<ReplayVerdict> => {
      await this.audit(r, 'dead_letter.replay', 'rejected', dedupeKey, { replayId: r.replayId, reason: r.reason, why: reason, inputPatch: r.inputPatch ?? null });
      return { accepted: false, reason };
    };
    if (!this.replayEnabled()) return reject('replay is disabled (RUNTIME_REPLAY_ENABLED=false)');
    const parsed = commandInputSchema(command.agentFamily, command.action)?.safeParse(input);
    if (!parsed?.success) return reject(`patched input is invalid: ${parsed?.error.issues.map((i) => `input.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const now = new Date();
    try {
      await this.prisma.$transaction([
        this.prisma.runtimeAdminAudit.create({
          data: {
            actor: r.actor,
            action: 'dead_letter.replay',
            targetType: 'command',
            targetId: r.commandId,
            traceId: r.traceId,
            outcome: 'accepted',
            dedupeKey,
            details: { replayId: r.replayId, reason: r.reason, inputPatch: (r.inputPatch ?? null) as Prisma.InputJsonValue, input: input as Prisma.InputJsonObject },
          },
        }),
        this.prisma.runtimeDeadLetter.update({
          where: { commandId: r.commandId },
          data: { status: 'replaying', replayCount: { increment: 1 }, lastReplayId: r.replayId, lastReplayAt: now },
        }),
        this.prisma.runtimeCommand.update({
          where: { id: r.commandId },
          data: { status: 'running', input: input as Prisma.InputJsonObject, completedAt: null },
        }),
        this.prisma.runtimeWorkflowRun.updateMany({ where: { workflowId: r.workflowId, runId: r.runId }, data: { status: 'running' } }),
      ]);
    } catch (err) {
      // A concurrent delivery of the same replay id won the unique key: answer as it did.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return this.replayRequested(r);
      throw err;
    }
    return { accepted: true, input };
  }

  /** One audit row per natural key: a retried activity finds its row and writes nothing. */
  private async audit(
    r: RunRef & { actor: string },
    action: string,
    outcome: string,
    dedupeKey: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.prisma.runtimeAdminAudit.upsert({
      where: { dedupeKey },
      create: { actor: r.actor, action, targetType: 'command', targetId: r.commandId, traceId: r.traceId, outcome, dedupeKey, details: details as Prisma.InputJsonObject },
      update: {},
    });
  }

  /** Replays the workflow refused without asking (duplicates, or one already in flight). */
  async replaysIgnored(r: RunRef & { replays: { replayId: string; actor: string; reason: string }[]; why: string }): Promise<void> {
    for (const replay of r.replays) {
      await this.audit({ ...r, actor: replay.actor }, 'dead_letter.replay', 'ignored', `replay:${replay.replayId}`, { replayId: replay.replayId, reason: replay.reason, why: r.why });
    }
  }

  async discarded(d: DeadLetterClosed): Promise<void> {
    const now = new Date();
    await this.prisma.$transaction([
      this.prisma.runtimeDeadLetter.update({
        where: { commandId: d.commandId },
        data: { status: 'discarded', resolvedAt: now, resolvedBy: d.actor ?? null, resolutionNote: d.reason ?? null },
      }),
      this.prisma.runtimeCommand.update({ where: { id: d.commandId }, data: { status: 'cancelled', completedAt: now } }),
      this.prisma.runtimeWorkflowRun.updateMany({ where: { workflowId: d.workflowId, runId: d.runId }, data: { status: 'cancelled', closedAt: now } }),
    ]);
    await this.audit({ ...d, actor: d.actor ?? 'unknown' }, 'dead_letter.discard', 'discarded', `discard:${d.commandId}:${d.runId}`, { reason: d.reason ?? null });
  }

  /** The parked workflow closes; the dead letter stays replayable from the API (a new run). */
  async expired(d: DeadLetterClosed): Promise<void> {
    const now = new Date();
    await this.prisma.$transaction([
      this.prisma.runtimeDeadLetter.update({ where: { commandId: d.commandId }, data: { status: 'expired' } }),
      this.prisma.runtimeWorkflowRun.updateMany({ where: { workflowId: d.workflowId, runId: d.runId }, data: { closedAt: now } }),
    ]);
  }

  /** After a replayed run succeeds, the dead letter is resolved. */
  async replaySucceeded(d: RunRef): Promise<void> {
    await this.prisma.runtimeDeadLetter.updateMany({
      where: { commandId: d.commandId, status: { in: ['replaying', 'expired', 'parked'] } },
      data: { status: 'replayed', resolvedAt: new Date() },
    });
    await this.prisma.runtimeAdminAudit.updateMany({
      where: { targetId: d.commandId, action: 'dead_letter.replay', outcome: 'accepted' },
      data: { outcome: 'completed' },
    });
  }
}
