import type { ActivityOptions } from '@temporalio/common';
import type { PolicyProfile } from './profiles';

/** The Temporal activity options a profile stands for. Pure, so workflow code may call it. */
export function activityOptionsFor(profile: PolicyProfile): ActivityOptions {
  return {
    scheduleToCloseTimeout: profile.timeouts.scheduleToCloseMs,
    startToCloseTimeout: profile.timeouts.startToCloseMs,
    heartbeatTimeout: profile.timeouts.heartbeatMs,
    retry: {
      initialInterval: profile.retry.initialIntervalMs,
      backoffCoefficient: profile.retry.backoffCoefficient,
      maximumInterval: profile.retry.maximumIntervalMs,
      maximumAttempts: profile.retry.maximumAttempts,
      nonRetryableErrorTypes: [...profile.retry.nonRetryableErrorTypes],
    },
  };
}
