import { condition, defineSignal, getExternalWorkflowHandle, log, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { RunRef } from '../activities/projections/command-projection';
import type { DiscardSignal, ReplaySignal } from '../runtime/dead-letters';
import { DISCARD_SIGNAL, REPLAY_SIGNAL } from '../runtime/workflow-messages';
import { deadLetterSignalSchemas } from './signal-schemas';
import type { FailureClass } from '../runtime/failures';
import type { PolicyProfile } from '../runtime/policy/profiles';
import type { CodeRevision } from './code-revision';
import { COMMAND_SETTLED_SIGNAL } from '../runtime/schedules';
import { RUNTIME_STATUS, SEARCH_ATTRIBUTES } from '../runtime/search-attributes';
import { projections } from './projection-activities';

export const replaySignal = defineSignal<[ReplaySignal]>(REPLAY_SIGNAL);
export const discardSignal = defineSignal<[DiscardSignal]>(DISCARD_SIGNAL);

/** How a dead letter ended: replayed (with the input to use), or closed for good. */
export type ParkingOutcome = { kind: 'replay'; input: Record<string, unknown> } | { kind: 'closed'; status: 'dead_lettered' | 'discarded' };

type Resolution = { kind: 'replay'; input: Record<string, unknown> } | { kind: 'discard'; discard: DiscardSignal } | { kind: 'expired' };

export function setRuntimeStatus(status: (typeof RUNTIME_STATUS)[keyof typeof RUNTIME_STATUS]): void {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.RuntimeStatus, value: status }]);
}

/**
 * The dead-letter side of a command workflow: parks it, waits for the first of replay (accepted by
 * the activity), discard or expiry, from the API or the Temporal UI. Signals are validated here
 * too: the Temporal UI sends whatever an admin pastes. Handlers are registered at construction,
 * so a signal that arrives while the command runs is audited as ignored, never lost.
 */
export class DeadLetterParking {
  private parked = false;
  private readonly queuedReplays: ReplaySignal[] = [];
  private discardRequest: DiscardSignal | undefined;
  private readonly strayReplays: { replayId: string; actor: string; reason: string }[] = [];

  constructor(
    private readonly run: RunRef,
    private readonly policy: PolicyProfile,
    private readonly revision: CodeRevision,
  ) {
    setHandler(replaySignal, (payload) => {
      const parsed = deadLetterSignalSchemas().replaySignalSchema.safeParse(payload);
      if (!parsed.success) {
        log.warn('replay signal ignored: invalid payload', { ...run, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      if (this.parked) this.queuedReplays.push(parsed.data);
      else this.strayReplays.push({ replayId: parsed.data.replayId ?? uuid4(), actor: parsed.data.actor, reason: parsed.data.reason });
    });
    setHandler(discardSignal, (payload) => {
      const parsed = deadLetterSignalSchemas().discardSignalSchema.safeParse(payload);
      if (!parsed.success) {
        log.warn('discard signal ignored: invalid payload', { ...run });
        return;
      }
      if (this.parked) this.discardRequest ??= parsed.data;
    });
  }

  /** Parks the command as a dead letter and returns once an admin replayed or discarded it, or it expired. */
  async park(failure: { errorClass: FailureClass; message: string; reason: string }, attempts: number, input: Record<string, unknown>): Promise<ParkingOutcome> {
    const { run, policy } = this;
    await projections(this.revision).recordDeadLetter({ ...run, errorClass: failure.errorClass, errorMessage: `${failure.message} (${failure.reason})`, attempts, replayableForMs: policy.deadLetter.replayableForMs });
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.RuntimeStatus, value: RUNTIME_STATUS.deadLettered },
      { key: SEARCH_ATTRIBUTES.FailureClass, value: failure.errorClass },
    ]);
    log.warn('command dead-lettered', { ...run, errorClass: failure.errorClass, attempts });
    await this.releaseScheduledParent();

    const resolution = await this.waitForResolution(input);
    if (resolution.kind === 'expired') {
      await projections(this.revision).recordDeadLetterExpired(run);
      return { kind: 'closed', status: 'dead_lettered' };
    }
    if (resolution.kind === 'discard') {
      await projections(this.revision).recordDeadLetterDiscarded({ ...run, actor: resolution.discard.actor, reason: resolution.discard.reason });
      setRuntimeStatus(RUNTIME_STATUS.discarded);
      return { kind: 'closed', status: 'discarded' };
    }
    setRuntimeStatus(RUNTIME_STATUS.running);
    return resolution;
  }

  /**
   * A command a schedule started frees the schedule's overlap slot when it parks: a parked dead
   * letter is no run in flight. Only commands with a parent (schedule firings) do this, so
   * histories of earlier commands replay unchanged.
   */
  private async releaseScheduledParent(): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent) return;
    try {
      await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(COMMAND_SETTLED_SIGNAL, { commandId: this.run.commandId, status: 'dead_lettered' });
    } catch (err) {
      log.warn('could not tell the schedule firing that the command parked', { ...this.run, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async waitForResolution(input: Record<string, unknown>): Promise<Resolution> {
    const { run } = this;
    this.parked = true;
    const deadline = Date.now() + this.policy.deadLetter.replayableForMs;
    try {
      for (;;) {
        await this.flushStrayReplays('arrived while the command was not parked');
        const remaining = deadline - Date.now();
        const woke = remaining > 0 && (await condition(() => this.discardRequest !== undefined || this.queuedReplays.length > 0, remaining));
        if (!woke) return { kind: 'expired' };
        if (this.discardRequest) return { kind: 'discard', discard: this.discardRequest };
        const next = this.queuedReplays.shift()!;
        const replay = { ...next, replayId: next.replayId ?? uuid4() };
        const verdict = await projections(this.revision).recordReplayRequested({ ...run, replayId: replay.replayId, actor: replay.actor, reason: replay.reason, inputPatch: replay.inputPatch, input });
        if (!verdict.accepted) {
          log.warn('replay refused', { ...run, replayId: replay.replayId, reason: verdict.reason });
          continue;
        }
        // One replay in flight per dead letter: the others queued meanwhile are refused.
        this.strayReplays.push(...this.queuedReplays.splice(0).map((r) => ({ replayId: r.replayId ?? uuid4(), actor: r.actor, reason: r.reason })));
        await this.flushStrayReplays(`replay ${replay.replayId} was already in flight`);
        return { kind: 'replay', input: verdict.input };
      }
    } finally {
      this.parked = false;
    }
  }

  private async flushStrayReplays(why: string): Promise<void> {
    if (this.strayReplays.length === 0) return;
    await projections(this.revision).recordReplaysIgnored({ ...this.run, replays: this.strayReplays.splice(0), why });
  }
}
