import type { PrismaClient } from '../persistence/prisma-client';
import type { Logger } from '../infra/logger';
import { createExecuteAgentAttempt, type AgentGateway } from './execute-agent';
import { AttemptProjection } from './projections/attempt-projection';
import { CommandProjection, type CommandOutcome, type RunStarted } from './projections/command-projection';

export interface ActivityDeps {
  prisma: PrismaClient;
  gateway: AgentGateway;
  logger: Logger;
}

/** Every activity the worker registers, wired to its dependencies. Workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  const commands = new CommandProjection(deps.prisma);
  return {
    executeAgentAttempt: createExecuteAgentAttempt({ gateway: deps.gateway, attempts: new AttemptProjection(deps.prisma), logger: deps.logger }),
    recordRunStarted: (r: RunStarted) => commands.runStarted(r),
    recordCommandOutcome: (o: CommandOutcome) => commands.outcome(o),
  };
}

export type RuntimeActivities = ReturnType<typeof createActivities>;
