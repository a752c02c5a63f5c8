import type { PrismaClient } from '../../persistence/prisma-client';
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
    private readonly shadowMode: () => boolean = () => false,
  ) {}

  /** A run that continued as new: closed here, its successor records its own start. */
  async runContinued(r: RunRef & { historyLength: number }): Promise<void> {
    await this.prisma.runtimeWorkflowRun.updateMany({
      where: { workflowId: r.workflowId, runId: r.runId },
      data: { status: 'continued_as_new', closedAt: new Date(), currentStep: null, historyLength: r.historyLength },
    });
  }

  async runStarted(r: RunStarted): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.runtimeWorkflowRun.createMany({
        skipDuplicates: true,
        data: {
          id: r.runId,
          commandId: r.commandId,
          workflowId: r.workflowId,
          runId: r.runId,
          workflowType: r.workflowType,
          taskQueue: r.taskQueue,
          status: 'running',
          traceId: r.traceId,
          startedAt: new Date(),
          replayId: r.replayId ?? null,
        },
      }),
      // dead_lettered: a new run replaying a dead letter whose parked workflow had expired.
      this.prisma.runtimeCommand.updateMany({ where: { id: r.commandId, status: { in: ['accepted', 'dead_lettered'] } }, data: { status: 'running' } }),
    ]);
  }

  async outcome(o: CommandOutcome): Promise<void> {
    const totals = await this.prisma.runtimeCommandAttempt.aggregate({
      where: { commandId: o.commandId },
      _count: { _all: true },
      _sum: { tokensIn: true, tokensOut: true, costUsd: true, durationMs: true },
    });
    const runTotals = await this.prisma.runtimeCommandAttempt.aggregate({
      where: { commandId: o.commandId, workflowRunId: o.runId },
      _sum: { tokensIn: true, tokensOut: true, costUsd: true },
    });
    const command = await this.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: o.commandId } });
    const now = new Date();
    const succeeded = o.outcome === 'succeeded';
    const shadow = command.shadow || this.shadowMode();
    const common = {
      attemptCount: totals._count._all,
      tokensIn: totals._sum.tokensIn ?? 0,
      tokensOut: totals._sum.tokensOut ?? 0,
      costUsd: totals._sum.costUsd ?? 0,
    };
    const logRow = {
      commandId: o.commandId,
      workflowId: o.workflowId,
      agentFamily: command.agentFamily,
      action: command.action,
      status: o.outcome,
      traceId: o.traceId,
      input: command.input ?? undefined,
      output: succeeded ? (o.output as object) : undefined,
      errorClass: succeeded ? null : o.errorClass,
      errorMessage: succeeded ? null : o.errorMessage,
      tokensIn: common.tokensIn,
      tokensOut: common.tokensOut,
      costUsd: common.costUsd,
      durationMs: totals._sum.durationMs ?? null,
      shadow,
    };
    await this.prisma.$transaction([
      this.prisma.runtimeCommand.update({
        where: { id: o.commandId },
        data: {
          ...common,
          status: o.outcome,
          result: succeeded ? (o.output as object) : undefined,
          errorClass: succeeded ? null : o.errorClass,
          errorMessage: succeeded ? null : o.errorMessage,
          completedAt: command.completedAt ?? now,
          shadow,
        },
      }),
      this.prisma.runtimeWorkflowRun.update({
        where: { workflowId_runId: { workflowId: o.workflowId, runId: o.runId } },
        data: {
          status: succeeded ? 'completed' : 'failed',
          closedAt: now,
          currentStep: null,
          tokensIn: runTotals._sum.tokensIn ?? 0,
          tokensOut: runTotals._sum.tokensOut ?? 0,
          costUsd: runTotals._sum.costUsd ?? 0,
        },
      }),
      this.prisma.agentExecutionLog.upsert({
        where: { source_correlationKey: { source: 'runtime', correlationKey: o.commandId } },
        create: { id: `runtime:${o.commandId}`, source: 'runtime', correlationKey: o.commandId, createdAt: now, ...logRow },
        update: logRow,
      }),
    ]);
  }
}
