import { patched } from '@temporalio/workflow';
import { WORKFLOW_CODE_REVISION } from '../runtime/code-revision';
import { PATCHES, type PatchId } from './patches';

/** The patches revision 2 folded in: a revision-2 run takes their new path without asking patched(). */
const FOLDED_INTO_REVISION_2: ReadonlySet<PatchId> = new Set([PATCHES.DEAD_LETTERS, PATCHES.PROVIDER_FALLBACK, PATCHES.LOCAL_PROJECTIONS]);

/**
 * Which code paths one run takes, fixed by its input. Each patched() call costs every run two
 * history events (the marker and sdk-core's TemporalChangeVersion upsert), and each RuntimeStatus
 * upsert one more plus a visibility write: of a plain success's 19 events, 6 were these
 * (bench/README.md). Runs started before revision 2 (no `codeRevision` in their input) still ask
 * patched() at the points they always did, so their histories replay; a revision-2 run skips the
 * folded patches, writes RuntimeStatus only where Temporal's own status says something else
 * (dead-lettered, discarded, running again after a replay, and how such a run ended, failed), and
 * a single command's attempts carry its run start. A plain success is then 12 events against bare
 * Temporal's 11 (the outcome's marker); revision 3 moves the outcome onto the attempt too, and it
 * is 11. A patch added later is asked with patched() in every revision, as usual.
 */
export interface CodeRevision {
  has(patch: PatchId): boolean;
  /** Whether the plain path writes RuntimeStatus too (Running at start, Succeeded at the end). */
  readonly statusOnPlainPath: boolean;
  /**
   * Whether a single command's run start rides on its agent attempts (activities/execute-agent.ts)
   * instead of a local activity, which costs a marker event and an extra workflow activation.
   */
  readonly attemptsCarryRunStart: boolean;
  /**
   * Revision 3: whether a single command's successful attempt projects the command's outcome too,
   * so the workflow completes on the attempt's result without the outcome's local activity (its
   * marker and an activation: bare Temporal's 11 events and two activations). The attempt says
   * whether it did (`outcomeProjected`); it doesn't while its worker is stopping, and the workflow
   * then projects as before, on whichever worker runs its next task.
   */
  readonly attemptsCarryOutcome: boolean;
}

const LEGACY: CodeRevision = { has: (patch) => patched(patch), statusOnPlainPath: true, attemptsCarryRunStart: false, attemptsCarryOutcome: false };
const REVISION_2: CodeRevision = {
  has: (patch) => FOLDED_INTO_REVISION_2.has(patch) || patched(patch),
  statusOnPlainPath: false,
  attemptsCarryRunStart: true,
  attemptsCarryOutcome: false,
};
const REVISION_3: CodeRevision = { ...REVISION_2, attemptsCarryOutcome: true };

export function codeRevisionOf(input: { codeRevision?: number }): CodeRevision {
  const revision = input.codeRevision;
  if (revision === undefined) return LEGACY;
  if (revision === 2) return REVISION_2;
  if (revision === 3) return REVISION_3;
  // Thrown as a plain Error, this fails the workflow task, which Temporal retries: the run waits
  // for a worker that knows the revision instead of taking paths a later history won't match.
  throw new Error(`workflow code revision ${revision} is newer than this worker's (${WORKFLOW_CODE_REVISION}): deploy workers before the API`);
}
