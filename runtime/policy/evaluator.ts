import { NON_RETRYABLE_FAILURE_CLASSES, type FailureClass } from '../failures';
import type { PolicyProfile } from './profiles';

/** What has happened so far in this command, across retry rounds and replays. */
export interface AttemptHistory {
  /** Attempts made since the command was (re)started: the last attempt number minus the base. */
  attempts: number;
  costUsd: number;
  /** Fallback models still unused, in order (0 when the profile's fallback is off). */
  fallbacksLeft: number;
}

export type PolicyDecision =
  | { action: 'retry'; maxAttempts: number }
  | { action: 'fall_back'; maxAttempts: number }
  | { action: 'dead_letter'; reason: string }
  | { action: 'fail'; reason: string };

/** Classes on which another provider may succeed where this one failed. */
const FALLBACK_CLASSES: readonly FailureClass[] = ['provider_unavailable', 'rate_limited'];

/**
 * The policy evaluator: pure, so the workflow calls it directly and tests enumerate it.
 * Temporal's RetryPolicy retries within one round (one provider); this decides what happens when
 * a round ends in failure: another round, a fallback provider, a dead letter, or a plain failure.
 */
export function evaluatePolicy(policy: PolicyProfile, failure: FailureClass | null, history: AttemptHistory): PolicyDecision {
  const threshold = Math.min(policy.deadLetter.thresholdAttempts, policy.retryBudget.maxAttempts);
  const park = (reason: string): PolicyDecision =>
    policy.deadLetter.enabled ? { action: 'dead_letter', reason } : { action: 'fail', reason };

  if (history.costUsd >= policy.costCapUsd || history.costUsd >= policy.retryBudget.maxCostUsd) {
    return park(`cost ${history.costUsd} USD reached the cap of ${Math.min(policy.costCapUsd, policy.retryBudget.maxCostUsd)} USD`);
  }
  const remaining = threshold - history.attempts;
  // While another model is left, a round on one model is cut at the fallback threshold, so the
  // round's end is where the fallback decision is taken.
  const switchAfter = history.fallbacksLeft > 0 && policy.providerFallback?.enabled ? policy.providerFallback.afterAttempts : Infinity;
  const roundSize = Math.min(policy.retry.maximumAttempts, remaining, switchAfter);
  if (failure === null) {
    return remaining > 0 ? { action: 'retry', maxAttempts: roundSize } : park('no attempts left');
  }
  if (NON_RETRYABLE_FAILURE_CLASSES.includes(failure)) return park(`${failure} is not retryable`);
  if (remaining <= 0) return park(`${history.attempts} attempts reached the dead-letter threshold of ${threshold}`);
  if (FALLBACK_CLASSES.includes(failure) && history.fallbacksLeft > 0) {
    // The next round runs on the next model, whose own fallback threshold applies afresh.
    const nextSwitchAfter = history.fallbacksLeft > 1 && policy.providerFallback?.enabled ? policy.providerFallback.afterAttempts : Infinity;
    return { action: 'fall_back', maxAttempts: Math.min(policy.retry.maximumAttempts, remaining, nextSwitchAfter) };
  }
  return { action: 'retry', maxAttempts: roundSize };
}
