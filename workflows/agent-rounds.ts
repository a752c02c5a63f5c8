import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { RuntimeActivities } from '../activities';
import type { AgentAttemptResult, AttemptFailureDetails, ExecuteAgentAttemptInput } from '../activities/execute-agent';
import { isFailureClass, type FailureClass } from '../runtime/failures';
import { activityOptionsFor } from '../runtime/policy/activity-options';
import { evaluatePolicy, type PolicyDecision } from '../runtime/policy/evaluator';
import type { PolicyProfile } from '../runtime/policy/profiles';
import type { CodeRevision } from './code-revision';
import { PATCHES } from './patches';

/** What one command has consumed so far; the rounds advance it, the caller keeps it across steps and replays. */
export interface AttemptLedger {
  /** Last attempt number used by this command (numbering continues across rounds, steps and runs). */
  lastAttempt: number;
  /** Attempt number at which the current budget window (start or last replay) began. */
  roundStart: number;
  /** Cost spent in the current budget window. */
  costUsd: number;
}

export type RoundOutcome =
  | { ok: true; attempt: AgentAttemptResult }
  | { ok: false; errorClass: FailureClass; message: string; decision: Extract<PolicyDecision, { action: 'dead_letter' | 'fail' }> };

/** One agent call as the rounds see it: the executor's input minus what the rounds decide. */
export type AgentCall = Omit<ExecuteAgentAttemptInput, 'attemptBase' | 'model' | 'budget'>;

/**
 * Attempts in rounds until success or until the policy evaluator says dead-letter or fail.
 * Temporal's RetryPolicy retries within a round (one model); between rounds the evaluator decides:
 * another round, the next model of `models` (provider fallback), a dead letter or a failure.
 * Every attempt carries the budget left, so the executor refuses one whose worst case would cross
 * the cap before it reaches the gateway.
 */
export async function runAgentRounds(call: AgentCall, policy: PolicyProfile, models: readonly string[], ledger: AttemptLedger, revision: CodeRevision): Promise<RoundOutcome> {
  const chainAware = revision.has(PATCHES.PROVIDER_FALLBACK);
  const fallbackOn = chainAware && policy.providerFallback?.enabled === true;
  let modelIndex = 0;
  const fallbacksLeft = () => (fallbackOn ? Math.max(0, models.length - 1 - modelIndex) : 0);
  const capUsd = Math.min(policy.costCapUsd, policy.retryBudget.maxCostUsd);

  let decision = evaluatePolicy(policy, null, { attempts: ledger.lastAttempt - ledger.roundStart, costUsd: ledger.costUsd, fallbacksLeft: fallbacksLeft() });
  let lastFailure: { errorClass: FailureClass; message: string } = { errorClass: 'budget_exceeded', message: 'no attempt was allowed' };
  let attemptsOnModel = 0;
  for (let round = 0; ; round++) {
    if (decision.action === 'dead_letter' || decision.action === 'fail') return { ok: false, ...lastFailure, decision };
    if (decision.action === 'fall_back') {
      // Another provider at once, with its own backoff from the start.
      modelIndex++;
      attemptsOnModel = 0;
    } else if (round > 0) {
      // The same model again: a round cut short by the fallback threshold continues Temporal's
      // backoff where it stopped; before fallback existed, rounds paused the profile's maximum.
      await sleep(chainAware ? backoffMs(policy, attemptsOnModel) : policy.retry.maximumIntervalMs);
    }
    const base = activityOptionsFor(policy);
    const executor = proxyActivities<RuntimeActivities>({ ...base, retry: { ...base.retry, maximumAttempts: decision.maxAttempts } });
    try {
      const model = chainAware ? models[modelIndex] : undefined;
      const attempt = await executor.executeAgentAttempt({
        ...call,
        attemptBase: ledger.lastAttempt,
        ...(model ? { model } : {}),
        ...(chainAware ? { budget: { capUsd, spentUsd: ledger.costUsd } } : {}),
      });
      ledger.lastAttempt = attempt.attemptNumber;
      ledger.costUsd += attempt.costUsd;
      return { ok: true, attempt };
    } catch (err) {
      const failure = describeFailure(err);
      const before = ledger.lastAttempt;
      ledger.lastAttempt = failure.attemptNumber ?? ledger.lastAttempt + decision.maxAttempts;
      attemptsOnModel += ledger.lastAttempt - before;
      ledger.costUsd += failure.costUsd;
      lastFailure = failure;
      if (!revision.has(PATCHES.DEAD_LETTERS)) {
        // Before dead letters existed a failed round failed the command.
        return { ok: false, ...failure, decision: { action: 'fail', reason: 'recorded before dead letters' } };
      }
      decision = evaluatePolicy(policy, failure.errorClass, { attempts: ledger.lastAttempt - ledger.roundStart, costUsd: ledger.costUsd, fallbacksLeft: fallbacksLeft() });
    }
  }
}

/** Temporal's retry interval before attempt n+1 of one model, as the profile defines it. */
function backoffMs(policy: PolicyProfile, n: number): number {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = policy.retry;
  return Math.min(initialIntervalMs * backoffCoefficient ** Math.max(0, n - 1), maximumIntervalMs);
}

/**
 * The failure class travels as the ApplicationFailure type through Temporal's ActivityFailure
 * wrapper, with the attempt number and cost in its details; a timeout has neither.
 */
function describeFailure(err: unknown): { errorClass: FailureClass; message: string; attemptNumber?: number; costUsd: number } {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && isFailureClass(current.type)) {
      const details = current.details?.[0] as AttemptFailureDetails | undefined;
      return { errorClass: current.type, message: current.message, attemptNumber: details?.attemptNumber, costUsd: details?.costUsd ?? 0 };
    }
    if (current instanceof TimeoutFailure) return { errorClass: 'timeout', message: current.message, costUsd: 0 };
    current = (current as Error & { cause?: unknown }).cause;
  }
  const message = err instanceof ActivityFailure ? `${err.message}: ${err.cause?.message ?? ''}` : err instanceof Error ? err.message : String(err);
  return { errorClass: 'internal', message, costUsd: 0 };
}
