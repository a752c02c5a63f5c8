import { z } from 'zod';
import { FAILURE_CLASSES } from '../failures';
import { POLICY_PROFILE_NAMES } from './profiles';

// Apart from profiles.ts so workflow code, which reads profiles, never loads zod (every cached
// workflow holds its own copy of each module it loads; workflows/signal-schemas.ts).
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
