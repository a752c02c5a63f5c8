import assert from 'node:assert/strict';
import { evaluatePolicy } from '../../runtime/policy/evaluator';
import { getPolicyProfile, POLICY_PROFILE_NAMES } from '../../runtime/policy/profiles';
import { policyProfileSchema } from '../../runtime/policy/profile-schema';
import { resolvePolicy } from '../../runtime/policy/resolve';
import { activityOptionsFor } from '../../runtime/policy/activity-options';

const standard = getPolicyProfile('standard_async');
const none = { attempts: 0, costUsd: 0, fallbacksLeft: 0 };

describe('policy evaluator', () => {
  it('allows a first round of min(maximumAttempts, threshold) attempts', () => {
    assert.deepEqual(evaluatePolicy(standard, null, none), { action: 'retry', maxAttempts: Math.min(standard.retry.maximumAttempts, standard.deadLetter.thresholdAttempts) });
  });

  it('dead-letters a non-retryable class at once, or fails it when the profile has no dead letters', () => {
    for (const cls of ['invalid_input', 'auth', 'invalid_output', 'budget_exceeded'] as const) {
      assert.equal(evaluatePolicy(standard, cls, { ...none, attempts: 1 }).action, 'dead_letter');
      assert.equal(evaluatePolicy(getPolicyProfile('best_effort'), cls, { ...none, attempts: 1 }).action, 'fail');
    }
  });

  it('dead-letters a retryable class once the threshold is reached', () => {
    const d = evaluatePolicy(standard, 'transient', { ...none, attempts: standard.deadLetter.thresholdAttempts });
    assert.equal(d.action, 'dead_letter');
    assert.match((d as { reason: string }).reason, /threshold/);
  });

  it('runs another round for a retryable class below the threshold', () => {
    const p = resolvePolicy('standard_async', { retry: { maximumAttempts: 2 }, deadLetter: { thresholdAttempts: 5 } });
    assert.deepEqual(evaluatePolicy(p, 'transient', { ...none, attempts: 2 }), { action: 'retry', maxAttempts: 2 });
    assert.deepEqual(evaluatePolicy(p, 'transient', { ...none, attempts: 4 }), { action: 'retry', maxAttempts: 1 });
  });

  it('falls back to another provider on provider_unavailable and rate_limited only', () => {
    const p = resolvePolicy('standard_async', { deadLetter: { thresholdAttempts: 8 } });
    assert.equal(evaluatePolicy(p, 'provider_unavailable', { attempts: 4, costUsd: 0, fallbacksLeft: 1 }).action, 'fall_back');
    assert.equal(evaluatePolicy(p, 'rate_limited', { attempts: 4, costUsd: 0, fallbacksLeft: 1 }).action, 'fall_back');
    assert.equal(evaluatePolicy(p, 'timeout', { attempts: 4, costUsd: 0, fallbacksLeft: 1 }).action, 'retry');
    assert.equal(evaluatePolicy(p, 'invalid_input', { attempts: 4, costUsd: 0, fallbacksLeft: 1 }).action, 'dead_letter');
  });

  it('cuts a round at the fallback threshold while another model is left, and never when the profile has fallback off', () => {
    assert.deepEqual(evaluatePolicy(standard, null, { ...none, fallbacksLeft: 2 }), { action: 'retry', maxAttempts: standard.providerFallback.afterAttempts });
    assert.deepEqual(evaluatePolicy(standard, 'provider_unavailable', { attempts: 2, costUsd: 0, fallbacksLeft: 2 }), { action: 'fall_back', maxAttempts: 2 });
    // The last model of the chain gets what is left of the threshold.
    assert.deepEqual(evaluatePolicy(standard, 'provider_unavailable', { attempts: 2, costUsd: 0, fallbacksLeft: 1 }), { action: 'fall_back', maxAttempts: 2 });
    const critical = getPolicyProfile('critical_sync');
    assert.deepEqual(evaluatePolicy(critical, 'rate_limited', { attempts: 1, costUsd: 0, fallbacksLeft: 1 }), { action: 'fall_back', maxAttempts: 5 });
    const off = resolvePolicy('standard_async', { providerFallback: { enabled: false } });
    assert.deepEqual(evaluatePolicy(off, null, { ...none, fallbacksLeft: 2 }), { action: 'retry', maxAttempts: 4 });
  });

  it('stops at the cost cap', () => {
    const d = evaluatePolicy(standard, 'transient', { attempts: 1, costUsd: standard.costCapUsd, fallbacksLeft: 0 });
    assert.equal(d.action, 'dead_letter');
    assert.match((d as { reason: string }).reason, /cap/);
  });
});

describe('policy profiles', () => {
  it('are each valid against the profile schema', () => {
    for (const name of POLICY_PROFILE_NAMES) policyProfileSchema.parse(getPolicyProfile(name));
  });

  it('has the four profiles, each a valid Temporal retry policy', () => {
    for (const name of POLICY_PROFILE_NAMES) {
      const o = activityOptionsFor(getPolicyProfile(name));
      assert.ok(o.retry?.maximumAttempts && o.startToCloseTimeout && o.heartbeatTimeout, name);
      assert.deepEqual(o.retry?.nonRetryableErrorTypes, ['invalid_input', 'auth', 'budget_exceeded', 'invalid_output', 'approval_rejected', 'approval_timeout']);
    }
    assert.equal(getPolicyProfile('best_effort').deadLetter.enabled, false);
  });

  it('applies family overrides, then the threshold override, and refuses invalid results', () => {
    const p = resolvePolicy('critical_sync', { retry: { maximumAttempts: 9 }, costCapUsd: 0.1 }, 3);
    assert.equal(p.retry.maximumAttempts, 9);
    assert.equal(p.costCapUsd, 0.1);
    assert.equal(p.deadLetter.thresholdAttempts, 3);
    assert.throws(() => resolvePolicy('standard_async', { timeouts: { startToCloseMs: 10 * 60 * 60 * 1000 } }), /startToCloseMs/);
  });
});
