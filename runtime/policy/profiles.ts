import { z } from 'zod';
import { FAILURE_CLASSES, NON_RETRYABLE_FAILURE_CLASSES } from '../failures';

export const POLICY_PROFILE_NAMES = ['standard_async', 'critical_sync', 'best_effort', 'long_running'] as const;
export type PolicyProfileName = (typeof POLICY_PROFILE_NAMES)[number];

const durationMs = z.number().int().positive();

/** A policy profile as data. Durations are milliseconds so the data is plain JSON. */
export const policyProfileSchema = z
  .object({
    name: z.enum(POLICY_PROFILE_NAMES),
    description: z.string(),
    retry: z.object({
      initialIntervalMs: durationMs,
      backoffCoefficient: z.number().min(1).max(10),
      maximumIntervalMs: durationMs,
      maximumAttempts: z.number().int().min(1).max(100),
      nonRetryableErrorTypes: z.array(z.enum(FAILURE_CLASSES)),
    }),
    timeouts: z.object({
      scheduleToCloseMs: durationMs,
      startToCloseMs: durationMs,
      heartbeatMs: durationMs,
    }),
    deadLetter: z.object({
      enabled: z.boolean(),
      thresholdAttempts: z.number().int().min(1).max(100),
      replayableForMs: durationMs,
    }),
    retryBudget: z.object({ maxAttempts: z.number().int().min(1).max(1000), maxCostUsd: z.number().nonnegative() }),
    costCapUsd: z.number().nonnegative(),
    /**
     * Provider fallback: after `afterAttempts` attempts on one model ending in provider_unavailable
     * or rate_limited, the next attempt runs on the family's next model (Gemini, Claude, OpenAI).
     */
    providerFallback: z.object({ enabled: z.boolean(), afterAttempts: z.number().int().min(1).max(100) }),
  })
  .refine((p) => p.timeouts.startToCloseMs <= p.timeouts.scheduleToCloseMs, {
    error: 'startToCloseMs must not exceed scheduleToCloseMs',
  })
  .refine((p) => p.timeouts.heartbeatMs < p.timeouts.startToCloseMs, { error: 'heartbeatMs must be below startToCloseMs' });

export type PolicyProfile = z.infer<typeof policyProfileSchema>;

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
for (const profile of Object.values(PROFILES)) policyProfileSchema.parse(profile);

export function isPolicyProfileName(value: unknown): value is PolicyProfileName {
  return typeof value === 'string' && (POLICY_PROFILE_NAMES as readonly string[]).includes(value);
}

export function getPolicyProfile(name: PolicyProfileName): PolicyProfile {
  return PROFILES[name];
}
