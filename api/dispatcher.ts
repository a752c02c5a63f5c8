import { randomUUID } from 'node:crypto';
import { commandEvent } from '../infra/events/command-event';
import type { EventPublisher } from '../infra/events/redis-event-publisher';
import type { Logger } from '../infra/logger';
import type { PrismaClient, RuntimeCommand } from '../persistence/prisma-client';
import type { SqlPool } from '../persistence/sql';
import { insertCommand } from './command-insert';
import { workflowIdForCommand, type CommandEnvelope } from '../runtime/command';
import type { PolicyProfileName } from '../runtime/policy/profiles';
import { ApiError } from './errors';
import { requestHash } from '../commands/request-hash';
import type { PreparedStart, WorkflowStarter } from './workflow-starter';

export interface SubmitRequest {
  envelope: CommandEnvelope;
  idempotencyKey?: string;
  traceId: string;
  /** Set by POST /v1/commands/:id/replay: the command this one re-runs. */
  replayOfCommandId?: string;
  /** The verified identity submitting (runtime_commands.submitted_by). */
  submittedBy: string;
  /** The tenant the command belongs to: the client's own, or the re-run command's. */
  ownerTenant: string | null;
}

export interface SubmitResult {
  command: RuntimeCommand;
  /** false when an earlier request with the same idempotency key created the command. */
  created: boolean;
}

export interface DispatcherDeps {
  prisma: PrismaClient;
  /** node-postgres pool for the submission's insert (api/command-insert.ts). */
  sqlPool: SqlPool;
  starter: WorkflowStarter;
  /** RUNTIME_START_WAIT_MS: how long a submission waits for its workflow start before answering anyway. */
  startWaitMs: number;
  defaultProfile: PolicyProfileName;
  shadow: boolean;
  events: EventPublisher;
  logger: Logger;
}

/**
 * The dispatcher: claims the idempotency key by inserting the command row, then hands the start
 * of the command's workflow (id derived from the command id) to the WorkflowStarter and answers.
 * The row comes first, so a start lost with its process is repaired by the start sweep or by the
 * client's retry with the same key (the start is idempotent: an existing workflow id is reused,
 * never duplicated).
 */
export class CommandDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async submit(req: SubmitRequest): Promise<SubmitResult> {
    const policyProfile = req.envelope.policyProfile ?? this.deps.defaultProfile;
    // The tenant is part of the request, so another tenant's repeat of a key is a conflict, never
    // its command; left out when none, so hashes of commands from before tenants still match.
    const hash = requestHash({ ...req.envelope, policyProfile, replayOf: req.replayOfCommandId ?? null, ...(req.ownerTenant ? { tenant: req.ownerTenant } : {}) });
    // The insert claims the key; a repeat (or the loser of two racing requests) finds it taken
    // and answers with the first request's row. Insert first, since most keyed submissions are
    // new: one round trip instead of two.
    const commandId = randomUUID();
    const command = await insertCommand(this.deps.sqlPool, {
      id: commandId,
      idempotencyKey: req.idempotencyKey ?? null,
      requestHash: hash,
      agentFamily: req.envelope.agentFamily,
      action: req.envelope.action,
      input: req.envelope.input,
      policyProfile,
      traceId: req.traceId,
      workflowId: workflowIdForCommand(commandId),
      shadow: this.deps.shadow,
      replayOfCommandId: req.replayOfCommandId ?? null,
      ownerTenant: req.ownerTenant,
      submittedBy: req.submittedBy,
    });
    if (!command) {
      // DO NOTHING returns no row. The winner may have committed after the insert's snapshot
      // was taken (two racing requests), so it is read by a statement of its own.
      const winner = await this.deps.prisma.runtimeCommand.findUniqueOrThrow({ where: { idempotencyKey: req.idempotencyKey! } });
      return this.repeat(winner, hash, req.ownerTenant);
    }
    // The start is prepared (a policy read) while the event is written: one round trip after the
    // other was a hop more on every answer. Its failure is taken below, once the event is out.
    const preparing = this.deps.starter.prepare(command);
    preparing.catch(() => undefined);
    // Before the start, so it precedes every event the workflow publishes.
    await this.deps.events.publish(
      commandEvent('command.accepted', { commandId: command.id, workflowId: command.workflowId, traceId: command.traceId, agentFamily: command.agentFamily }, { data: { action: command.action, policyProfile, ...(command.replayOfCommandId ? { replayOf: command.replayOfCommandId } : {}) } }),
    );
    let prepared: PreparedStart;
    try {
      prepared = await preparing;
    } catch (err) {
      return this.abandon(command, err);
    }
    // The row is the durable record: a start slower than the wait goes on in the background. While
    // recent starts took longer than the wait (Temporal saturated), waiting would only add the
    // whole wait to every answer, 202 all the same, so the answer goes at once.
    const started = this.deps.starter.enqueue(prepared);
    if (this.deps.starter.typicalFirstAttemptMs <= this.deps.startWaitMs) await waitAtMost(this.deps.startWaitMs, started);
    this.deps.logger.info('command accepted', { commandId, workflowId: command.workflowId, traceId: req.traceId, agentFamily: command.agentFamily });
    return { command, created: true };
  }

  private async repeat(existing: RuntimeCommand, hash: string, tenant: string | null): Promise<SubmitResult> {
    if (existing.ownerTenant !== tenant && tenant !== null) {
      // Another tenant's key: refuse without naming its command.
      throw new ApiError(409, 'idempotency_conflict', 'This Idempotency-Key is already in use; choose another');
    }
    if (existing.requestHash !== hash) {
      throw new ApiError(409, 'idempotency_conflict', 'This Idempotency-Key was used with a different request body', {
        commandId: existing.id,
        status: existing.status,
      });
    }
    // Still unstarted: the first request's process may have died before the start went through.
    if (existing.status === 'accepted' && existing.workflowStartedAt === null) {
      const prepared = await this.deps.starter.prepare(existing);
      await this.deps.starter.startNow(prepared).catch((err) => this.unavailable(err));
    }
    return { command: existing, created: false };
  }

  /**
   * The command cannot start as configured. With an idempotency key the row stays so the client's
   * retry (after the configuration is fixed) finishes the job; without one nobody could, so it goes.
   */
  private async abandon(command: RuntimeCommand, err: unknown): Promise<never> {
    if (!command.idempotencyKey) await this.deps.prisma.runtimeCommand.delete({ where: { id: command.id } }).catch(() => undefined);
    // The error handler answers a CommandSetupError with its status and code.
    throw err;
  }

  private unavailable(err: unknown): never {
    this.deps.logger.error('workflow start failed', { error: err instanceof Error ? err.message : String(err) });
    throw new ApiError(503, 'temporal_unavailable', 'The workflow could not be started; retry with the same Idempotency-Key', {}, { 'Retry-After': '5' });
  }
}

async function waitAtMost(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
