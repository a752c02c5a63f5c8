import { NON_RETRYABLE_FAILURE_CLASSES } from '../failures';
import type { PolicyProfile } from './profile-schema';

export const POLICY_PROFILE_NAMES = ['standard_async', 'critical_sync', 'best_effort', 'long_running'] as const;
export type PolicyProfileName = (typeof POLICY_PROFILE_NAMES)[number];

export type { PolicyProfile } from './profile-schema';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const nonRetryable = [...NON_RETRYABLE_FAILURE_CLASSES];

/*
 * Start-to-close timeouts leave room for the gateway's own provider retry window (it retried a 429
 * for about 90 s by itself on this machine), so our activity does not time out while the gateway
 * is still legitimately recovering; heartbeats prove the attempt is alive meanwhile.
 */
const PROFILES: Record<PolicyProfileName, PolicyProfile> = {
  standard_async: {
    name: 'standard_async',
    description: 'Default for background agent work: a few patient retries, then dead-letter.',
    retry: { initialIntervalMs: 2 * SECOND, backoffCoefficient: 2, maximumIntervalMs: MINUTE, maximumAttempts: 4, nonRetryableErrorTypes: nonRetryable },
    timeouts: { scheduleToCloseMs: 30 * MINUTE, startToCloseMs: 5 * MINUTE, heartbeatMs: 30 * SECOND },
    deadLetter: { enabled: true, thresholdAttempts: 4, replayableForMs: 7 * DAY },
    retryBudget: { maxAttempts: 12, maxCostUsd: 2 },
    costCapUsd: 1,
    providerFallback: { enabled: true, afterAttempts: 2 },
  },
  critical_sync: {
    name: 'critical_sync',
    description: 'Interactive requests: short timeouts, quick and more frequent retries, fast alerting.',
    retry: { initialIntervalMs: 500, backoffCoefficient: 1.5, maximumIntervalMs: 5 * SECOND, maximumAttempts: 6, nonRetryableErrorTypes: nonRetryable },
    timeouts: { scheduleToCloseMs: 3 * MINUTE, startToCloseMs: 45 * SECOND, heartbeatMs: 10 * SECOND },
    deadLetter: { enabled: true, thresholdAttempts: 6, replayableForMs: 2 * DAY },
    retryBudget: { maxAttempts: 12, maxCostUsd: 1 },
    costCapUsd: 0.5,
    providerFallback: { enabled: true, afterAttempts: 1 },
  },
  best_effort: {
    name: 'best_effort',
    description: 'Nice-to-have work: few attempts, no dead letter; failures are recorded and dropped.',
    retry: { initialIntervalMs: 5 * SECOND, backoffCoefficient: 2, maximumIntervalMs: 30 * SECOND, maximumAttempts: 2, nonRetryableErrorTypes: nonRetryable },
    timeouts: { scheduleToCloseMs: 10 * MINUTE, startToCloseMs: 3 * MINUTE, heartbeatMs: 30 * SECOND },
    deadLetter: { enabled: false, thresholdAttempts: 2, replayableForMs: DAY },
    retryBudget: { maxAttempts: 2, maxCostUsd: 0.25 },
    costCapUsd: 0.25,
    providerFallback: { enabled: false, afterAttempts: 1 },
  },
  long_running: {
    name: 'long_running',
    description: 'Deep research runs: long start-to-close kept alive by heartbeats.',
    retry: { initialIntervalMs: 10 * SECOND, backoffCoefficient: 2, maximumIntervalMs: 5 * MINUTE, maximumAttempts: 3, nonRetryableErrorTypes: nonRetryable },
    timeouts: { scheduleToCloseMs: 6 * HOUR, startToCloseMs: 2 * HOUR, heartbeatMs: MINUTE },
    deadLetter: { enabled: true, thresholdAttempts: 3, replayableForMs: 14 * DAY },
    retryBudget: { maxAttempts: 6, maxCostUsd: 10 },
    costCapUsd: 5,
    providerFallback: { enabled: true, afterAttempts: 2 },
  },
};

// Validated at module load: a bad edit to the table fails every test and every process at once.

export function isPolicyProfileName(value: unknown): value is PolicyProfileName {
  return typeof value === 'string' && (POLICY_PROFILE_NAMES as readonly string[]).includes(value);
}

export function getPolicyProfile(name: PolicyProfileName): PolicyProfile {
  return PROFILES[name];
}
