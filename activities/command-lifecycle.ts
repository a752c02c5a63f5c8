import { commandEvent } from '../infra/events/command-event';
import type { EventPublisher } from '../infra/events/redis-event-publisher';
import type { EventToPublish } from '../runtime/events';
import type { SqlFragment } from '../persistence/sql';
import type { CommandOutcome, CommandProjection, RunStarted } from './projections/command-projection';

/**
 * A command's run start and outcome: projected, then announced, so an event is published only for
 * a fact that is in PostgreSQL. The projection activities use it, and so does the agent attempt
 * that carries a revision-2 command's run start (workflows/code-revision.ts).
 */
export class CommandLifecycle {
  constructor(
    private readonly projection: CommandProjection,
    private readonly events: EventPublisher,
  ) {}

  /** `attemptRow`: the attempt carrying the run start, written in the same statement. */
  async runStarted(r: RunStarted, attemptRow?: SqlFragment): Promise<void> {
    await this.projection.runStarted(r, attemptRow);
    await this.events.publish(commandEvent('command.started', r, { fact: r.runId, data: { runId: r.runId, ...(r.replayId ? { replayId: r.replayId } : {}) } }));
  }

  /**
   * `lastAttempt`: the successful attempt that projects the outcome, its success written in the
   * same statement and its event announced before the command's.
   */
  async outcome(o: CommandOutcome, lastAttempt?: { attemptNumber: number; success: SqlFragment; event: EventToPublish }): Promise<void> {
    await this.projection.outcome(o, lastAttempt);
    if (lastAttempt) await this.events.publish(lastAttempt.event);
    const data = o.outcome === 'succeeded' ? { runId: o.runId, attempts: o.attempt.attemptNumber } : { runId: o.runId, errorClass: o.errorClass, errorMessage: o.errorMessage };
    await this.events.publish(commandEvent(o.outcome === 'succeeded' ? 'command.succeeded' : 'command.failed', o, { fact: o.runId, data }));
  }
}
