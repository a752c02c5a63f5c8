import type { Registry } from 'prom-client';
import type { PrismaClient } from '../persistence/prisma-client';
import type { SqlPool } from '../persistence/sql';
import type { EventPublisher } from '../infra/events/redis-event-publisher';
import { commandEvent } from '../infra/events/command-event';
import type { Logger } from '../infra/logger';
import { AttemptMetrics } from './attempt-metrics';
import { CommandLifecycle } from './command-lifecycle';
import { createExecuteAgentAttempt, type AgentGateway, type AttemptPricing } from './execute-agent';
import { DEFAULT_PROMPT_OVERHEAD_TOKENS, PRICE_TABLE } from '../runtime/pricing';
import { AttemptProjection } from './projections/attempt-projection';
import { CommandProjection, type CommandOutcome, type RunRef, type RunStarted } from './projections/command-projection';
import { MemoryStore, type SnapshotRequest } from './memory/memory-store';
import { createAcceptScheduledCommand, type ScheduledIntakeDeps } from './schedules/accept-scheduled-command';
import { DEFAULT_CONTINUE_AS_NEW_EVENTS } from '../runtime/pipelines/contract';
import { StepProjection, type StepTransition } from './projections/step-projection';
import { DEFAULT_MEMORY_MAX_BYTES } from '../runtime/memory';
import { DeadLetterProjection, type DeadLetterClosed, type DeadLetterParked, type ReplayRequest } from './projections/dead-letter-projection';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** node-postgres pool for the statements every command runs (persistence/sql.ts). */
  sqlPool: SqlPool;
  gateway: AgentGateway;
  events: EventPublisher;
  metrics: Registry;
  logger: Logger;
  /** RUNTIME_PRICE_TABLE and RUNTIME_PROMPT_OVERHEAD_TOKENS of this worker; the built-in table and the default overhead when absent. */
  pricing?: AttemptPricing;
  /** How scheduled firings become commands (RUNTIME_POLICY_PROFILE_DEFAULT, start settings); defaults when absent. */
  intake?: Pick<ScheduledIntakeDeps, 'defaultProfile' | 'start'>;
  /** RUNTIME_MEMORY_MAX_BYTES of this worker. */
  memoryMaxBytes?: number;
  /** RUNTIME_REPLAY_ENABLED of this worker: replay signals from the Temporal UI obey it too. */
  replayEnabled?: () => boolean;
  /** RUNTIME_SHADOW_MODE of this worker: commands it completes are shadow (see CommandProjection). */
  shadowMode?: () => boolean;
  /** Whether this worker is stopping (see ExecutorDeps.draining); never, when absent. */
  draining?: () => boolean;
}

/**
 * Every activity the worker registers, wired to its dependencies. Workflows import only the type.
 * Each projection is followed by its lifecycle event, so an event is published only for a fact
 * that is in PostgreSQL (a retried activity re-publishes under the same dedupe key: nothing new).
 */
export function createActivities(deps: ActivityDeps) {
  const commands = new CommandProjection(deps.prisma, deps.sqlPool, deps.shadowMode);
  const deadLetters = new DeadLetterProjection(deps.prisma, deps.replayEnabled ?? (() => false));
  const memory = new MemoryStore(deps.prisma, deps.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES);
  const steps = new StepProjection(deps.prisma);
  const { events } = deps;
  const lifecycle = new CommandLifecycle(commands, events);
  return {
    executeAgentAttempt: createExecuteAgentAttempt({
      gateway: deps.gateway,
      pricing: deps.pricing ?? DEFAULT_PRICING,
      memory,
      attempts: new AttemptProjection(deps.prisma, deps.sqlPool),
      lifecycle,
      events,
      metrics: new AttemptMetrics(deps.metrics),
      logger: deps.logger,
      draining: deps.draining ?? (() => false),
    }),
    recordRunStarted: (r: RunStarted) => lifecycle.runStarted(r),
    recordCommandOutcome: (o: CommandOutcome) => lifecycle.outcome(o),
    recordDeadLetter: async (d: DeadLetterParked) => {
      await deadLetters.parked(d);
      await events.publish(commandEvent('command.dead_lettered', d, { fact: d.attempts, data: { errorClass: d.errorClass, attempts: d.attempts } }));
    },
    recordReplayRequested: async (r: ReplayRequest) => {
      const verdict = await deadLetters.replayRequested(r);
      if (verdict.accepted) {
        await events.publish(commandEvent('command.replayed', r, { fact: r.replayId, actor: r.actor, data: { replayId: r.replayId, reason: r.reason, inputPatched: r.inputPatch !== undefined } }));
      }
      return verdict;
    },
    recordReplaysIgnored: (r: RunRef & { replays: { replayId: string; actor: string; reason: string }[]; why: string }) => deadLetters.replaysIgnored(r),
    recordDeadLetterDiscarded: async (d: DeadLetterClosed) => {
      await deadLetters.discarded(d);
      await events.publish(commandEvent('command.discarded', d, { fact: d.runId, ...(d.actor ? { actor: d.actor } : {}), data: { reason: d.reason ?? null } }));
    },
    recordDeadLetterExpired: async (d: DeadLetterClosed) => {
      await deadLetters.expired(d);
      await events.publish(commandEvent('dead_letter.expired', d, { fact: d.runId }));
    },
    recordReplaySucceeded: (d: RunRef) => deadLetters.replaySucceeded(d),
    recordRunContinued: (r: RunRef & { historyLength: number }) => commands.runContinued(r),
    recordStepTransition: async (t: StepTransition) => {
      await steps.transition(t);
      await events.publish(commandEvent('step.transition', t, { fact: `${t.runId}:${t.seq}`, data: { step: t.step, status: t.status, ...t.detail } }));
    },
    acceptScheduledCommand: createAcceptScheduledCommand({ prisma: deps.prisma, sqlPool: deps.sqlPool, events, logger: deps.logger, ...(deps.intake ?? DEFAULT_INTAKE) }),
    snapshotMemory: (r: SnapshotRequest) => memory.snapshot(r),
    restoreMemory: (r: { commandId: string }) => memory.latest(r.commandId),
  };
}

const DEFAULT_INTAKE: Pick<ScheduledIntakeDeps, 'defaultProfile' | 'start'> = {
  defaultProfile: 'standard_async',
  start: { deadLetterThreshold: undefined, continueAsNewAfterEvents: DEFAULT_CONTINUE_AS_NEW_EVENTS },
};
const DEFAULT_PRICING: AttemptPricing = { table: PRICE_TABLE, promptOverheadTokens: DEFAULT_PROMPT_OVERHEAD_TOKENS };

export type RuntimeActivities = ReturnType<typeof createActivities>;
