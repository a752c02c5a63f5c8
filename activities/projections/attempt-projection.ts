import type { PrismaClient } from '../../persistence/prisma-client';
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
  constructor(private readonly prisma: PrismaClient) {}

  async started(a: AttemptStart): Promise<void> {
    const { commandId, attemptNumber, ...rest } = a;
    await this.prisma.runtimeCommandAttempt.upsert({
      where: { commandId_attemptNumber: { commandId, attemptNumber } },
      create: { id: `${commandId}:${attemptNumber}`, commandId, attemptNumber, status: 'running', ...rest },
      // A re-delivered start (activity retried after a lost completion) must not reset a finished row.
      update: {},
    });
  }

  async succeeded(a: AttemptSuccess): Promise<void> {
    const { commandId, attemptNumber, ...rest } = a;
    await this.prisma.runtimeCommandAttempt.update({
      where: { commandId_attemptNumber: { commandId, attemptNumber } },
      data: { status: 'succeeded', errorClass: null, errorMessage: null, ...rest },
    });
  }

  async failed(a: AttemptFailure): Promise<void> {
    const { commandId, attemptNumber, ...rest } = a;
    await this.prisma.runtimeCommandAttempt.update({
      where: { commandId_attemptNumber: { commandId, attemptNumber } },
      data: { status: 'failed', ...rest },
    });
  }
}
