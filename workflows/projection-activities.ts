import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { RuntimeActivities } from '../activities';
import type { CodeRevision } from './code-revision';
import { PATCHES } from './patches';

// Projections are idempotent upserts, so they may retry freely and quickly.
const PROJECTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
const remote = proxyActivities<RuntimeActivities>(PROJECTION_OPTIONS);
const local = proxyLocalActivities<RuntimeActivities>(PROJECTION_OPTIONS);

/**
 * The workflow's PostgreSQL projections (run rows, outcomes, steps, memory, dead letters). Since
 * LOCAL_PROJECTIONS they run as local activities: in the worker, inside the workflow task that
 * asks for them, so each costs one marker event instead of an activity task the server must hand
 * to a poller and a workflow task to resume (two dispatches, ~40 ms each on the dev server,
 * bench/README.md). They are idempotent, so the re-run a lost workflow task brings is harmless.
 * Histories recorded before the marker replay on the activity-task path.
 */
export function projections(revision: CodeRevision): typeof remote {
  return revision.has(PATCHES.LOCAL_PROJECTIONS) ? local : remote;
}
