import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { requestHash } from '../../commands/request-hash';
import { workflowStartFor, type StartSettings } from '../../commands/workflow-start';
import { commandEvent } from '../../infra/events/command-event';
import type { EventPublisher } from '../../infra/events/redis-event-publisher';
import type { Logger } from '../../infra/logger';
import { Prisma, type PrismaClient, type RuntimeCommand } from '../../persistence/prisma-client';
import type { SqlPool } from '../../persistence/sql';
import { commandEnvelopeSchema, workflowIdForCommand } from '../../runtime/command';
import type { PolicyProfileName } from '../../runtime/policy/profiles';
import type { ScheduledCommandArgs } from '../../runtime/schedules';

export interface AcceptScheduledRequest {
  args: ScheduledCommandArgs;
  /** The firing's workflow id (schedule prefix + time): one command per firing, however often this runs. */
  firingWorkflowId: string;
  firedAt: string;
}

export interface AcceptedScheduledCommand {
  commandId: string;
  workflowId: string;
  workflowType: string;
  startArgs: unknown;
  traceId: string;
  agentFamily: string;
  policyProfile: string;
}

export interface ScheduledIntakeDeps {
  prisma: PrismaClient;
  /** The hot-path pool: the command's policy read (commands/policy-for-command.ts). */
  sqlPool: SqlPool;
  events: EventPublisher;
  logger: Logger;
  defaultProfile: PolicyProfileName;
  start: StartSettings;
}

/**
 * A schedule firing becomes an ordinary command: a runtime_commands row keyed by the firing (its
 * idempotency key), the same events as an API submission plus schedule.fired, and the same start
 * arguments, so scheduled and submitted work share one history and one dead-letter path.
 */
export function createAcceptScheduledCommand(deps: ScheduledIntakeDeps) {
  return async function acceptScheduledCommand(req: AcceptScheduledRequest): Promise<AcceptedScheduledCommand> {
    const policyProfile = (req.args.policyProfile ?? deps.defaultProfile) as PolicyProfileName;
    const envelope = commandEnvelopeSchema.safeParse({ agentFamily: req.args.agentFamily, action: req.args.action, input: req.args.input, policyProfile });
    if (!envelope.success) {
      throw ApplicationFailure.create({ type: 'invalid_input', nonRetryable: true, message: `schedule ${req.args.configName}: ${envelope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    }
    const idempotencyKey = `schedule:${req.firingWorkflowId}`;
    const command = await findOrCreate(idempotencyKey, envelope.data, policyProfile);
    const ref = { commandId: command.id, workflowId: command.workflowId, traceId: command.traceId, agentFamily: command.agentFamily };
    await deps.events.publish(commandEvent('schedule.fired', ref, { data: { schedule: req.args.scheduleId, config: req.args.configName, firedAt: req.firedAt } }));
    await deps.events.publish(commandEvent('command.accepted', ref, { data: { action: command.action, policyProfile, schedule: req.args.scheduleId } }));
    const { workflowType, args } = await workflowStartFor(deps.sqlPool, command, deps.start);
    deps.logger.info('scheduled command accepted', { ...ref, schedule: req.args.scheduleId });
    return { commandId: command.id, workflowId: command.workflowId, workflowType, startArgs: args, traceId: command.traceId, agentFamily: command.agentFamily, policyProfile };
  };

  async function findOrCreate(idempotencyKey: string, envelope: { agentFamily: string; action: string; input: Record<string, unknown> }, policyProfile: string): Promise<RuntimeCommand> {
    const existing = await deps.prisma.runtimeCommand.findUnique({ where: { idempotencyKey } });
    if (existing) return existing;
    const id = randomUUID();
    try {
      return await deps.prisma.runtimeCommand.create({
        data: {
          id,
          idempotencyKey,
          requestHash: requestHash({ ...envelope, policyProfile, replayOf: null }),
          agentFamily: envelope.agentFamily,
          action: envelope.action,
          input: envelope.input as Prisma.InputJsonObject,
          policyProfile,
          traceId: randomBytes(16).toString('hex'),
          workflowId: workflowIdForCommand(id),
          status: 'accepted',
        },
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return deps.prisma.runtimeCommand.findUniqueOrThrow({ where: { idempotencyKey } });
      throw err;
    }
  }
}
