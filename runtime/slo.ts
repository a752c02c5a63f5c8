/**
 * Service-level indicators and alert rules, as pure functions over counts read from the
 * projections for one window. The API computes the snapshot; this decides. Definitions are in the
 * README (Service levels and alerts).
 */

/** What the projections hold for one window (counts of rows whose event time falls in it). */
export interface SloSnapshot {
  windowMs: number;
  commands: { succeeded: number; failed: number; deadLettered: number };
  /** Rows created in the window, and how many of them carry a non-empty trace id. */
  trace: { rows: number; withTraceId: number };
  /** Dead letters resolved (replayed or discarded) in the window, and their summed time to resolution. */
  deadLetters: { parkedInWindow: number; resolved: number; resolveMsTotal: number };
  replays: { accepted: number; failedAgain: number };
  attempts: { total: number; onFallbackModel: number; budgetExceeded: number };
  cost: { totalUsd: number; retryUsd: number };
  /** Temporal's approximate activity backlog of the runtime task queue; null when Temporal did not answer. */
  backlog: number | null;
}

export interface SloReport {
  windowMs: number;
  reliability: { value: number | null; target: number; met: boolean | null; completed: number };
  traceCoverage: { value: number | null; target: number; met: boolean | null; rows: number };
  deadLetterMttrMs: number | null;
}

export const SLO_TARGETS = { reliability: 0.99, traceCoverage: 1 } as const;

export function computeSlo(s: SloSnapshot): SloReport {
  const completed = s.commands.succeeded + s.commands.failed + s.commands.deadLettered;
  const reliability = completed === 0 ? null : s.commands.succeeded / completed;
  const coverage = s.trace.rows === 0 ? null : s.trace.withTraceId / s.trace.rows;
  return {
    windowMs: s.windowMs,
    reliability: { value: reliability, target: SLO_TARGETS.reliability, met: reliability === null ? null : reliability >= SLO_TARGETS.reliability, completed },
    traceCoverage: { value: coverage, target: SLO_TARGETS.traceCoverage, met: coverage === null ? null : coverage >= SLO_TARGETS.traceCoverage, rows: s.trace.rows },
    deadLetterMttrMs: s.deadLetters.resolved === 0 ? null : Math.round(s.deadLetters.resolveMsTotal / s.deadLetters.resolved),
  };
}

export interface AlertThresholds {
  /** Fewer completed commands than this in a window say nothing about reliability. */
  minCommandsForReliability: number;
  /** New dead letters per window above which the queue is growing too fast. */
  deadLetterGrowth: number;
  /** Share of accepted replays that were dead-lettered again. */
  replayFailureRatio: number;
  minReplays: number;
  /** Activity backlog above this is more than the workers can run at once. */
  backlogBudget: number;
  /** Share of the window's cost spent on attempts after the first. */
  retryCostRatio: number;
  /** Share of attempts that ran on a fallback model. */
  fallbackRatio: number;
  minAttempts: number;
}

/** Defaults for the rules; backlogBudget is RUNTIME_MAX_CONCURRENCY (what one worker runs at once). */
export const DEFAULT_ALERT_THRESHOLDS: Omit<AlertThresholds, 'backlogBudget'> = {
  minCommandsForReliability: 20,
  deadLetterGrowth: 10,
  replayFailureRatio: 0.2,
  minReplays: 5,
  retryCostRatio: 0.25,
  fallbackRatio: 0.1,
  minAttempts: 20,
};

export const ALERT_NAMES = [
  'reliability_below_target',
  'dead_letter_growth',
  'replay_failure_spike',
  'backlog_over_budget',
  'budget_breach',
  'retry_cost_anomaly',
  'fallback_spike',
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export interface AlertState {
  name: AlertName;
  firing: boolean;
  /** The measured value the rule compared, and what it compared it with. */
  value: number | null;
  threshold: number;
  summary: string;
}

export function evaluateAlerts(s: SloSnapshot, t: AlertThresholds): AlertState[] {
  const slo = computeSlo(s);
  const ratio = (part: number, whole: number, min: number) => (whole >= min && whole > 0 ? part / whole : null);
  const rule = (name: AlertName, value: number | null, threshold: number, firing: boolean, summary: string): AlertState => ({ name, firing, value, threshold, summary });
  const reliability = slo.reliability.completed >= t.minCommandsForReliability ? slo.reliability.value : null;
  const replayFailures = ratio(s.replays.failedAgain, s.replays.accepted, t.minReplays);
  const retryCost = s.cost.totalUsd > 0 ? s.cost.retryUsd / s.cost.totalUsd : null;
  const fallback = ratio(s.attempts.onFallbackModel, s.attempts.total, t.minAttempts);
  return [
    rule('reliability_below_target', reliability, SLO_TARGETS.reliability, reliability !== null && reliability < SLO_TARGETS.reliability, 'share of completed commands that succeeded'),
    rule('dead_letter_growth', s.deadLetters.parkedInWindow, t.deadLetterGrowth, s.deadLetters.parkedInWindow > t.deadLetterGrowth, 'dead letters parked in the window'),
    rule('replay_failure_spike', replayFailures, t.replayFailureRatio, replayFailures !== null && replayFailures > t.replayFailureRatio, 'share of replays dead-lettered again'),
    rule('backlog_over_budget', s.backlog, t.backlogBudget, s.backlog !== null && s.backlog > t.backlogBudget, 'activity tasks waiting on the task queue'),
    rule('budget_breach', s.attempts.budgetExceeded, 0, s.attempts.budgetExceeded > 0, 'attempts stopped by a cost cap or retry budget'),
    rule('retry_cost_anomaly', retryCost, t.retryCostRatio, retryCost !== null && retryCost > t.retryCostRatio, 'share of cost spent on retries'),
    rule('fallback_spike', fallback, t.fallbackRatio, fallback !== null && fallback > t.fallbackRatio, 'share of attempts on a fallback model'),
  ];
}
