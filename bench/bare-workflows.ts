// Workflows of the bare-Temporal baseline (bundled on their own by the bench; not part of the runtime).
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  noop(): Promise<string>;
}

const acts = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

/** The baseline of Mode A: one no-op activity, nothing else. */
export async function bareNoopWorkflow(): Promise<string> {
  return acts.noop();
}

/** Generates a long history for the replay measurement: `count` sequential no-op activities (6 events each). */
export async function bareSequentialNoopsWorkflow(count: number): Promise<number> {
  for (let i = 0; i < count; i++) await acts.noop();
  return count;
}
