import { z } from 'zod';
import { policyProfileSchema } from './profile-schema';
import { getPolicyProfile, type PolicyProfile, type PolicyProfileName } from './profiles';

/**
 * Per-agent-family overrides (agent_configurations.policy_overrides): any subset of a profile's
 * numbers. Validated like the profile itself, so a bad row is refused with the field named.
 */
export const policyOverridesSchema = z
  .strictObject({
    retry: policyProfileSchema.shape.retry.partial().optional(),
    timeouts: policyProfileSchema.shape.timeouts.partial().optional(),
    deadLetter: policyProfileSchema.shape.deadLetter.partial().optional(),
    retryBudget: policyProfileSchema.shape.retryBudget.partial().optional(),
    costCapUsd: z.number().nonnegative().optional(),
    providerFallback: policyProfileSchema.shape.providerFallback.partial().optional(),
  })
  .optional();
export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

/**
 * The policy a command runs under: its profile, then the family's overrides, then the
 * process-wide RUNTIME_DEAD_LETTER_THRESHOLD. Resolved once at submit and carried in the workflow
 * input, so a later change of profiles never changes a running command's rules (or its replay).
 */
export function resolvePolicy(name: PolicyProfileName, overrides: PolicyOverrides, deadLetterThreshold?: number): PolicyProfile {
  const base = getPolicyProfile(name);
  const merged = {
    ...base,
    retry: { ...base.retry, ...overrides?.retry },
    timeouts: { ...base.timeouts, ...overrides?.timeouts },
    deadLetter: {
      ...base.deadLetter,
      ...overrides?.deadLetter,
      ...(deadLetterThreshold !== undefined ? { thresholdAttempts: deadLetterThreshold } : {}),
    },
    retryBudget: { ...base.retryBudget, ...overrides?.retryBudget },
    costCapUsd: overrides?.costCapUsd ?? base.costCapUsd,
    providerFallback: { ...base.providerFallback, ...overrides?.providerFallback },
  };
  return policyProfileSchema.parse(merged);
}
