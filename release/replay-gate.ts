import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { AGENT_COMMAND_WORKFLOW_TYPE, PIPELINE_WORKFLOW_TYPE } from '../runtime/router';
import { SCHEDULED_COMMAND_WORKFLOW_TYPE } from '../runtime/schedules';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every workflow type the worker registers (workflows/index.ts); each needs a recorded history. */
export const REGISTERED_WORKFLOW_TYPES = [AGENT_COMMAND_WORKFLOW_TYPE, PIPELINE_WORKFLOW_TYPE, SCHEDULED_COMMAND_WORKFLOW_TYPE] as const;

/** What the committed histories must exercise between them, read off their events. */
export const REQUIRED_SCENARIOS = ['succeeded', 'retried', 'dead-letter-replay', 'multi-step', 'child-workflow'] as const;
export type Scenario = (typeof REQUIRED_SCENARIOS)[number] | 'approval' | 'failed';

/** Where a history stopped replaying: the first event the current code no longer produces. */
export interface Divergence {
  eventId: number;
  eventType: string;
  /** Event id of the workflow task whose commands no longer match. */
  workflowTaskCompletedEventId: number;
  message: string;
}

export interface HistoryReplay {
  file: string;
  workflowType: string;
  events: number;
  scenarios: Scenario[];
  ok: boolean;
  durationMs: number;
  divergence?: Divergence;
}

export interface ReplayGateReport {
  ok: boolean;
  histories: HistoryReplay[];
  missingWorkflowTypes: string[];
  missingScenarios: string[];
}

const eventTypeName = (e: HistoryEvent): string => {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k] != null);
  return key ? key.replace(/EventAttributes$/, '').replace(/^./, (c) => c.toUpperCase()) : `type ${String(e.eventType)}`;
};

const eventId = (e: HistoryEvent): number => Number(e.eventId?.toString() ?? 0);

/** Scenarios a history shows, from its events alone (no naming convention to keep in step). */
export function scenariosOf(events: HistoryEvent[]): Scenario[] {
  const found = new Set<Scenario>();
  const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  const last = events[events.length - 1];
  if (last?.workflowExecutionCompletedEventAttributes) found.add('succeeded');
  if (last?.workflowExecutionFailedEventAttributes) found.add('failed');
  if (events.some((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes)) found.add('retried');
  if (events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'replay')) found.add('dead-letter-replay');
  if (events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'approval')) found.add('approval');
  if (events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)) found.add('child-workflow');
  if (type === PIPELINE_WORKFLOW_TYPE) found.add('multi-step');
  return [...found].sort();
}

/** The workflow code bundled once: bundling costs seconds, a replay tens of milliseconds. */
export async function bundleForReplay(workflowsPath: string): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quiet = () => undefined;
const quietBundlerLogger = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m: string) => process.stderr.write(`${m}\n`), log: quiet };

/**
 * A replay that has not finished after this long is a failure. A history prefix (see
 * locateDivergence) whose last workflow task diverges around a local-activity marker does not
 * fail: the replay worker retries that task forever. Whole histories finish in well under a second.
 */
const REPLAY_TIMEOUT_MS = 10_000;

async function replays(bundle: WorkflowBundle, history: History, name: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`replay did not finish within ${REPLAY_TIMEOUT_MS} ms: a workflow task kept failing`), REPLAY_TIMEOUT_MS);
    timer.unref();
  });
  const replayed = Worker.runReplayHistory({ workflowBundle: bundle }, history, name).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  try {
    return await Promise.race([replayed, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Temporal's nondeterminism error names the mismatching commands but not the event. Replaying
 * ever longer prefixes (each ending just before a workflow task is scheduled) finds the first
 * workflow task whose commands diverge; bisection keeps that to a handful of replays.
 */
async function locateDivergence(bundle: WorkflowBundle, history: History, name: string, message: string): Promise<Divergence> {
  const events = history.events ?? [];
  const cuts = events.flatMap((e, i) => (e.workflowTaskScheduledEventAttributes && i > 0 ? [i] : [])).concat(events.length);
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const failed = await replays(bundle, { events: events.slice(0, cuts[mid]) }, name);
    if (failed) hi = mid;
    else lo = mid + 1;
  }
  const end = cuts[lo]!;
  const start = lo === 0 ? 0 : cuts[lo - 1]!;
  const window = events.slice(start, end);
  const completed = [...window].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
  const afterCompleted = completed ? window.slice(window.indexOf(completed) + 1) : window;
  const named = message.match(/scheduled event '([^']+)'/)?.[1];
  const culprit =
    afterCompleted.find((e) => named !== undefined && e.activityTaskScheduledEventAttributes?.activityType?.name === named) ??
    afterCompleted[0] ??
    completed ??
    window[window.length - 1]!;
  return {
    eventId: eventId(culprit),
    eventType: eventTypeName(culprit),
    workflowTaskCompletedEventId: completed ? eventId(completed) : 0,
    message: message.match(/\[TMPRL\d+\][^"]*/)?.[0] ?? message,
  };
}

/** One committed history against the bundled workflow code. */
export async function replayHistoryFile(bundle: WorkflowBundle, file: string): Promise<HistoryReplay> {
  const history: History = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const events = history.events ?? [];
  const name = path.basename(file);
  const started = Date.now();
  const failure = await replays(bundle, history, name);
  const durationMs = Date.now() - started;
  return {
    file: name,
    workflowType: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown',
    events: events.length,
    scenarios: scenariosOf(events),
    ok: failure === undefined,
    durationMs,
    ...(failure === undefined ? {} : { divergence: await locateDivergence(bundle, history, name, failure) }),
  };
}

/** The replay gate: every history replays, every workflow type and required scenario is covered. */
export async function runReplayGate(opts: { workflowsPath: string; historiesDir: string }): Promise<ReplayGateReport> {
  const files = readdirSync(opts.historiesDir).filter((f) => f.endsWith('.json')).sort();
  const bundle = await bundleForReplay(opts.workflowsPath);
  const histories: HistoryReplay[] = [];
  for (const f of files) histories.push(await replayHistoryFile(bundle, path.join(opts.historiesDir, f)));
  const types = new Set(histories.map((h) => h.workflowType));
  const scenarios = new Set(histories.flatMap((h) => h.scenarios));
  const missingWorkflowTypes = REGISTERED_WORKFLOW_TYPES.filter((t) => !types.has(t));
  const missingScenarios = REQUIRED_SCENARIOS.filter((s) => !scenarios.has(s));
  return { ok: histories.every((h) => h.ok) && missingWorkflowTypes.length === 0 && missingScenarios.length === 0, histories, missingWorkflowTypes, missingScenarios };
}

/** The line an engineer reads when a history stops replaying. */
export function describeDivergence(h: HistoryReplay): string {
  const d = h.divergence;
  if (!d) return `history ${h.file} replays`;
  return `history ${h.file} (${h.workflowType}) no longer replays: event ${d.eventId} (${d.eventType}, after workflow task completed at event ${d.workflowTaskCompletedEventId}) does not match what the code does now: ${d.message}. Guard the change with patched() (workflows/patches.ts).`;
}
