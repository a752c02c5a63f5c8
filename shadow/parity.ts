import { canonicalJson } from '../runtime/canonical-json';
import { rulesFor, type FieldRule, type ParitySettings } from './rules';

/**
 * The parity comparator: pure, so the unit tests, the admin route and the release gate judge a set
 * of pairs identically. Loading the pairs is shadow/pairs.ts' job.
 */

/** One side's execution of a command, as both executors record it. */
export interface ExecutionResult {
  agentFamily: string;
  action: string;
  status: string;
  output: unknown;
  /** null when that side did not record it: the check is skipped rather than failed. */
  latencyMs: number | null;
  costUsd: number | null;
}

/** Both executions of one command, joined by correlation key (the command's idempotency key). */
export interface ParityPair {
  correlationKey: string;
  /** The family it is reported under: the runtime command's, else the legacy result's. */
  agentFamily: string;
  commandId?: string;
  legacy?: ExecutionResult;
  runtime?: ExecutionResult;
  /** The runtime command exists but has not finished: neither matched nor missing yet. */
  runtimePending?: boolean;
}

export type MismatchKind = 'status' | 'agentFamily' | 'action' | 'field' | 'latency' | 'cost';

export interface MismatchReason {
  kind: MismatchKind;
  /** The output field, for kind `field`. */
  field?: string;
  legacy: unknown;
  runtime: unknown;
  detail: string;
}

export interface PairMismatch {
  correlationKey: string;
  commandId?: string;
  reasons: MismatchReason[];
}

export interface FamilyParity {
  agentFamily: string;
  /** matched + mismatched + missingLegacy + missingRuntime: the pairs the rate is taken over. */
  compared: number;
  matched: number;
  mismatched: number;
  missingLegacy: number;
  missingRuntime: number;
  pending: number;
  /** matched / compared; null when nothing was compared (such a family cannot fail the gate). */
  parityRate: number | null;
  ok: boolean;
  /** At most MAX_SAMPLES of each, so a bad day does not make a huge report. */
  mismatches: PairMismatch[];
  missingLegacyKeys: string[];
  missingRuntimeKeys: string[];
}

export interface ParityReport {
  ok: boolean;
  threshold: number;
  latencyToleranceMs: number;
  costToleranceUsd: number;
  families: FamilyParity[];
  totals: Omit<FamilyParity, 'agentFamily' | 'ok' | 'mismatches' | 'missingLegacyKeys' | 'missingRuntimeKeys'>;
}

export const MAX_SAMPLES = 50;

// Sums of decimal costs are not exact in binary floating point: 0.03 - 0.02 > 0.01.
const EPSILON = 1e-9;

/** The legacy executor's status words mapped onto the runtime's, so `success` equals `succeeded`. */
const STATUS_SYNONYMS: Record<string, string> = {
  succeeded: 'succeeded',
  success: 'succeeded',
  completed: 'succeeded',
  ok: 'succeeded',
  done: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  errored: 'failed',
};

export function normalizeStatus(status: string): string {
  const s = status.trim().toLowerCase();
  return STATUS_SYNONYMS[s] ?? s;
}

function fieldAt(output: unknown, path: string): unknown {
  let value: unknown = output;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const isPresent = (v: unknown) => v !== undefined && v !== null;

/** Why one field breaks its rule, or undefined when it keeps it. */
export function fieldProblem(rule: FieldRule, legacy: unknown, runtime: unknown): string | undefined {
  if (rule === 'exact') return canonicalJson(legacy ?? null) === canonicalJson(runtime ?? null) ? undefined : 'values differ';
  if (rule === 'present') {
    const missing = [!isPresent(legacy) && 'legacy', !isPresent(runtime) && 'runtime'].filter(Boolean);
    return missing.length === 0 ? undefined : `missing on ${missing.join(' and ')}`;
  }
  if (typeof legacy !== 'number' || typeof runtime !== 'number' || !Number.isFinite(legacy) || !Number.isFinite(runtime)) return 'not a number on both sides';
  const delta = Math.abs(legacy - runtime);
  const limits = [rule.abs, rule.rel === undefined ? undefined : rule.rel * Math.max(Math.abs(legacy), Math.abs(runtime))].filter((l): l is number => l !== undefined);
  if (limits.length === 0) return delta === 0 ? undefined : `differs by ${delta} (no tolerance set)`;
  return limits.some((limit) => delta <= limit + EPSILON) ? undefined : `differs by ${delta}, beyond ${describeTolerance(rule)}`;
}

function describeTolerance(rule: { abs?: number; rel?: number }): string {
  return [rule.abs !== undefined && `abs ${rule.abs}`, rule.rel !== undefined && `rel ${rule.rel}`].filter(Boolean).join(' or ');
}

function deltaReason(kind: 'latency' | 'cost', legacy: number | null, runtime: number | null, tolerance: number, unit: string): MismatchReason | undefined {
  if (legacy === null || runtime === null) return undefined;
  const delta = Math.abs(runtime - legacy);
  if (delta <= tolerance + EPSILON) return undefined;
  return { kind, legacy, runtime, detail: `runtime ${runtime} vs legacy ${legacy} ${unit}: delta ${Number(delta.toFixed(6))} beyond tolerance ${tolerance}` };
}

/** Every way a pair with both sides present differs, under the settings; empty when it matches. */
export function compareResults(legacy: ExecutionResult, runtime: ExecutionResult, settings: ParitySettings): MismatchReason[] {
  const reasons: MismatchReason[] = [];
  for (const kind of ['agentFamily', 'action'] as const) {
    if (legacy[kind] !== runtime[kind]) reasons.push({ kind, legacy: legacy[kind], runtime: runtime[kind], detail: `${kind} differs` });
  }
  const legacyStatus = normalizeStatus(legacy.status);
  const runtimeStatus = normalizeStatus(runtime.status);
  if (legacyStatus !== runtimeStatus) {
    // Outputs, latency and cost of a success and a failure say nothing more.
    reasons.push({ kind: 'status', legacy: legacy.status, runtime: runtime.status, detail: `legacy ${legacyStatus}, runtime ${runtimeStatus}` });
    return reasons;
  }
  if (runtimeStatus === 'succeeded') {
    for (const [field, rule] of Object.entries(rulesFor(settings.rules, runtime.agentFamily))) {
      const l = fieldAt(legacy.output, field);
      const r = fieldAt(runtime.output, field);
      const problem = fieldProblem(rule, l, r);
      if (problem) reasons.push({ kind: 'field', field, legacy: l ?? null, runtime: r ?? null, detail: `${field} (${typeof rule === 'string' ? rule : 'numeric'}): ${problem}` });
    }
  }
  const latency = deltaReason('latency', legacy.latencyMs, runtime.latencyMs, settings.latencyToleranceMs, 'ms');
  const cost = deltaReason('cost', legacy.costUsd, runtime.costUsd, settings.costToleranceUsd, 'USD');
  return [...reasons, ...(latency ? [latency] : []), ...(cost ? [cost] : [])];
}

function emptyFamily(agentFamily: string): FamilyParity {
  return { agentFamily, compared: 0, matched: 0, mismatched: 0, missingLegacy: 0, missingRuntime: 0, pending: 0, parityRate: null, ok: true, mismatches: [], missingLegacyKeys: [], missingRuntimeKeys: [] };
}

const sample = <T>(list: T[], item: T) => {
  if (list.length < MAX_SAMPLES) list.push(item);
};

/** Judges every pair and sums up per agent family; the gate holds when every family reaches the threshold. */
export function compareParity(pairs: readonly ParityPair[], settings: ParitySettings): ParityReport {
  const families = new Map<string, FamilyParity>();
  for (const pair of pairs) {
    // A pair with neither side says nothing (the loader never builds one; callers might).
    if (!pair.legacy && !pair.runtime && !pair.runtimePending) continue;
    const f = families.get(pair.agentFamily) ?? emptyFamily(pair.agentFamily);
    families.set(pair.agentFamily, f);
    if (!pair.runtime && pair.runtimePending) {
      f.pending++;
    } else if (pair.legacy && pair.runtime) {
      const reasons = compareResults(pair.legacy, pair.runtime, settings);
      if (reasons.length === 0) f.matched++;
      else {
        f.mismatched++;
        sample(f.mismatches, { correlationKey: pair.correlationKey, ...(pair.commandId ? { commandId: pair.commandId } : {}), reasons });
      }
    } else if (pair.runtime) {
      f.missingLegacy++;
      sample(f.missingLegacyKeys, pair.correlationKey);
    } else {
      f.missingRuntime++;
      sample(f.missingRuntimeKeys, pair.correlationKey);
    }
  }
  const list = [...families.values()].sort((a, b) => a.agentFamily.localeCompare(b.agentFamily));
  for (const f of list) {
    f.compared = f.matched + f.mismatched + f.missingLegacy + f.missingRuntime;
    f.parityRate = f.compared === 0 ? null : f.matched / f.compared;
    f.ok = f.parityRate === null || f.parityRate >= settings.threshold;
  }
  const sum = (k: 'compared' | 'matched' | 'mismatched' | 'missingLegacy' | 'missingRuntime' | 'pending') => list.reduce((n, f) => n + f[k], 0);
  const compared = sum('compared');
  return {
    ok: list.every((f) => f.ok),
    threshold: settings.threshold,
    latencyToleranceMs: settings.latencyToleranceMs,
    costToleranceUsd: settings.costToleranceUsd,
    families: list,
    totals: {
      compared,
      matched: sum('matched'),
      mismatched: sum('mismatched'),
      missingLegacy: sum('missingLegacy'),
      missingRuntime: sum('missingRuntime'),
      pending: sum('pending'),
      parityRate: compared === 0 ? null : sum('matched') / compared,
    },
  };
}
