import type { PrismaClient } from '../persistence/prisma-client';
import type { Logger } from '../infra/logger';
import { createExecuteAgentAttempt, type AgentGateway } from './execute-agent';
import { AttemptProjection } from './projections/attempt-projection';
import { CommandProjection, type CommandOutcome, type RunRef, type RunStarted } from './projections/command-projection';
import { DeadLetterProjection, type DeadLetterClosed, type DeadLetterParked, type ReplayRequest } from './projections/dead-letter-projection';

export interface ActivityDeps {
  prisma: PrismaClient;
  gateway: AgentGateway;
  logger: Logger;
  /** RUNTIME_REPLAY_ENABLED of this worker: replay signals from the Temporal UI obey it too. */
  replayEnabled?: () => boolean;
}

/** Every activity the worker registers, wired to its dependencies. Workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  const commands = new CommandProjection(deps.prisma);
  const deadLetters = new DeadLetterProjection(deps.prisma, deps.replayEnabled ?? (() => false));
  return {
    executeAgentAttempt: createExecuteAgentAttempt({ gateway: deps.gateway, attempts: new AttemptProjection(deps.prisma), logger: deps.logger }),
    recordRunStarted: (r: RunStarted) => commands.runStarted(r),
    recordCommandOutcome: (o: CommandOutcome) => commands.outcome(o),
    recordDeadLetter: (d: DeadLetterParked) => deadLetters.parked(d),
    recordReplayRequested: (r: ReplayRequest) => deadLetters.replayRequested(r),
    recordReplaysIgnored: (r: RunRef & { replays: { replayId: string; actor: string; reason: string }[]; why: string }) => deadLetters.replaysIgnored(r),
    recordDeadLetterDiscarded: (d: DeadLetterClosed) => deadLetters.discarded(d),
    recordDeadLetterExpired: (d: DeadLetterClosed) => deadLetters.expired(d),
    recordReplaySucceeded: (d: RunRef) => deadLetters.replaySucceeded(d),
  };
}

export type RuntimeActivities = ReturnType<typeof createActivities>;
