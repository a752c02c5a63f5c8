import { ApplicationFailure } from '@temporalio/workflow';
import type { RunRef } from '../activities/projections/command-projection';
import type { FailureClass } from '../runtime/failures';
import { RUNTIME_STATUS } from '../runtime/search-attributes';
import type { CodeRevision } from './code-revision';
import { setRuntimeStatus } from './dead-letter-parking';
import { projections } from './projection-activities';

/**
 * Projects the success unless its attempt did (code revision 3), and the replay's success when one
 * led here; marks the workflow where its RuntimeStatus would otherwise still say what it was
 * before the replay.
 */
export async function closeSucceeded(
  run: RunRef,
  output: unknown,
  attempt: { attemptNumber: number; durationMs: number; outcomeProjected?: true },
  replayed: boolean,
  revision: CodeRevision,
): Promise<void> {
  if (!attempt.outcomeProjected) {
    await projections(revision).recordCommandOutcome({ ...run, outcome: 'succeeded', output, attempt });
  }
  if (replayed) await projections(revision).recordReplaySucceeded(run);
  if (replayed || revision.statusOnPlainPath) setRuntimeStatus(RUNTIME_STATUS.succeeded);
}

/** Projects the failure and fails the workflow with the class as its type, so the Temporal UI shows it as it is. */
export async function closeFailed(run: RunRef, errorClass: FailureClass, message: string, revision: CodeRevision): Promise<never> {
  await projections(revision).recordCommandOutcome({ ...run, outcome: 'failed', errorClass, errorMessage: message });
  setRuntimeStatus(RUNTIME_STATUS.failed);
  throw ApplicationFailure.create({ type: errorClass, message, nonRetryable: true });
}
