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
 * a single command's attempts carry its run projections. A plain success is then 11 events, as
 * bare Temporal's one-activity workflow. A patch added later is asked with patched() in every
 * revision, as usual.
 */
export interface CodeRevision {
  has(patch: PatchId): boolean;
  /** Whether the plain path writes RuntimeStatus too (Running at start, Succeeded at the end). */
  readonly statusOnPlainPath: boolean;
  /**
   * Whether a single command's run start and first-run success ride on its agent attempts
   * (activities/execute-agent.ts) instead of two local activities: each local activity costs a
   * marker event and two more workflow activations, which made the runtime worker's CPU per
   * command twice bare Temporal's. Failure paths still project through local activities.
   */
  readonly attemptsCarryRunProjections: boolean;
}

const LEGACY: CodeRevision = { has: (patch) => patched(patch), statusOnPlainPath: true, attemptsCarryRunProjections: false };
const REVISION_2: CodeRevision = {
  has: (patch) => FOLDED_INTO_REVISION_2.has(patch) || patched(patch),
  statusOnPlainPath: false,
  attemptsCarryRunProjections: true,
};

export function codeRevisionOf(input: { codeRevision?: number }): CodeRevision {
  const revision = input.codeRevision;
  if (revision === undefined) return LEGACY;
  if (revision === 2) return REVISION_2;
  // Thrown as a plain Error, this fails the workflow task, which Temporal retries: the run waits
  // for a worker that knows the revision instead of taking paths a later history won't match.
  throw new Error(`workflow code revision ${revision} is newer than this worker's (${WORKFLOW_CODE_REVISION}): deploy workers before the API`);
}
