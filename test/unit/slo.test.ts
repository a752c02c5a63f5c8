import assert from 'node:assert/strict';
import { ALERT_NAMES, DEFAULT_ALERT_THRESHOLDS, computeSlo, evaluateAlerts, type SloSnapshot } from '../../runtime/slo';

const quiet: SloSnapshot = {
  windowMs: 3_600_000,
  commands: { succeeded: 0, failed: 0, deadLettered: 0 },
  trace: { rows: 0, withTraceId: 0 },
  deadLetters: { parkedInWindow: 0, resolved: 0, resolveMsTotal: 0 },
  replays: { accepted: 0, failedAgain: 0 },
  attempts: { total: 0, onFallbackModel: 0, budgetExceeded: 0 },
  cost: { totalUsd: 0, retryUsd: 0 },
  backlog: 0,
};
const thresholds = { ...DEFAULT_ALERT_THRESHOLDS, backlogBudget: 20 };
const firing = (s: SloSnapshot) => evaluateAlerts(s, thresholds).filter((a) => a.firing).map((a) => a.name);

describe('SLIs and alert rules (pure)', () => {
  it('computes reliability, trace coverage and MTTR; an empty window has no values and fires nothing', () => {
    assert.deepEqual(computeSlo(quiet).reliability, { value: null, target: 0.99, met: null, completed: 0 });
    assert.deepEqual(firing(quiet), []);
    const slo = computeSlo({
      ...quiet,
      commands: { succeeded: 297, failed: 2, deadLettered: 1 },
      trace: { rows: 900, withTraceId: 899 },
      deadLetters: { parkedInWindow: 1, resolved: 4, resolveMsTotal: 4 * 90_000 },
    });
    assert.equal(slo.reliability.value, 0.99);
    assert.equal(slo.reliability.met, true);
    assert.equal(slo.traceCoverage.value, 899 / 900);
    assert.equal(slo.traceCoverage.met, false);
    assert.equal(slo.deadLetterMttrMs, 90_000);
  });

  it('fires each rule just past its threshold and not at it', () => {
    const cases: [string, Partial<SloSnapshot>, Partial<SloSnapshot>][] = [
      ['reliability_below_target', { commands: { succeeded: 99, failed: 1, deadLettered: 0 } }, { commands: { succeeded: 98, failed: 1, deadLettered: 1 } }],
      ['dead_letter_growth', { deadLetters: { parkedInWindow: 10, resolved: 0, resolveMsTotal: 0 } }, { deadLetters: { parkedInWindow: 11, resolved: 0, resolveMsTotal: 0 } }],
      ['replay_failure_spike', { replays: { accepted: 10, failedAgain: 2 } }, { replays: { accepted: 10, failedAgain: 3 } }],
      ['backlog_over_budget', { backlog: 20 }, { backlog: 21 }],
      ['budget_breach', {}, { attempts: { total: 1, onFallbackModel: 0, budgetExceeded: 1 } }],
      ['retry_cost_anomaly', { cost: { totalUsd: 4, retryUsd: 1 } }, { cost: { totalUsd: 4, retryUsd: 1.01 } }],
      ['fallback_spike', { attempts: { total: 100, onFallbackModel: 10, budgetExceeded: 0 } }, { attempts: { total: 100, onFallbackModel: 11, budgetExceeded: 0 } }],
    ];
    assert.deepEqual(cases.map((c) => c[0]).sort(), [...ALERT_NAMES].sort(), 'every rule has a case');
    for (const [name, at, past] of cases) {
      assert.deepEqual(firing({ ...quiet, ...at }), [], `${name} at its threshold`);
      assert.deepEqual(firing({ ...quiet, ...past }), [name], `${name} past its threshold`);
    }
  });

  it('stays silent on too few samples (ratios over a handful mean nothing)', () => {
    assert.deepEqual(firing({ ...quiet, commands: { succeeded: 5, failed: 5, deadLettered: 0 } }), []);
    assert.deepEqual(firing({ ...quiet, replays: { accepted: 4, failedAgain: 4 } }), []);
    assert.deepEqual(firing({ ...quiet, attempts: { total: 19, onFallbackModel: 19, budgetExceeded: 0 } }), []);
    assert.deepEqual(firing({ ...quiet, backlog: null }), []);
  });
});
