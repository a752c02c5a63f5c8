import type { PrismaClient } from '../persistence/prisma-client';
import { compareParity, type FamilyParity, type ParityReport } from './parity';
import { loadParityPairs, type ParityWindow } from './pairs';
import { paritySettingsFrom, type ParitySettings } from './rules';

/** The default look-back of the report and the gate: one day of parallel running. */
export const DEFAULT_PARITY_WINDOW_MS = 24 * 60 * 60_000;

export type ParityReportWithWindow = ParityReport & { window: { since: string; until: string; agentFamily: string | null } };

/** Loads the pairs of a window and judges them: what GET /admin/runtime/shadow/parity answers. */
export async function parityReport(prisma: PrismaClient, settings: ParitySettings, window: ParityWindow): Promise<ParityReportWithWindow> {
  const until = new Date();
  const report = compareParity(await loadParityPairs(prisma, window), settings);
  return { window: { since: window.since.toISOString(), until: until.toISOString(), agentFamily: window.agentFamily ?? null }, ...report };
}

export interface ParityGateResult {
  ok: boolean;
  /** no_data: nothing was compared in the window (shadow mode off, or no legacy results posted); not a failure. */
  status: 'pass' | 'fail' | 'no_data';
  /** Human-readable, one line per family. */
  summary: string;
  details: ParityReportWithWindow;
}

const percent = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);

function familyLine(f: FamilyParity): string {
  const kinds = [...new Set(f.mismatches.flatMap((m) => m.reasons.map((r) => (r.kind === 'field' ? `field ${r.field}` : r.kind))))];
  const parts = [
    `${f.matched}/${f.compared} matched (${percent(f.parityRate)})`,
    f.mismatched > 0 && `${f.mismatched} mismatched${kinds.length ? ` [${kinds.join(', ')}]` : ''}`,
    f.missingLegacy > 0 && `${f.missingLegacy} missing legacy`,
    f.missingRuntime > 0 && `${f.missingRuntime} missing runtime`,
    f.pending > 0 && `${f.pending} still running`,
  ].filter(Boolean);
  return `  ${f.ok ? 'ok  ' : 'FAIL'} ${f.agentFamily}: ${parts.join(', ')}`;
}

/**
 * The shadow parity release gate, for the evidence bundle: the parity report of the window (by
 * default the last 24 hours) under the configured rules, and whether every agent family reached
 * RUNTIME_SHADOW_PARITY_THRESHOLD.
 */
export async function parityGate(
  prisma: PrismaClient,
  config: Parameters<typeof paritySettingsFrom>[0],
  window: Partial<ParityWindow> = {},
): Promise<ParityGateResult> {
  const settings = paritySettingsFrom(config);
  const details = await parityReport(prisma, settings, { since: window.since ?? new Date(Date.now() - DEFAULT_PARITY_WINDOW_MS), ...(window.agentFamily ? { agentFamily: window.agentFamily } : {}) });
  const status = details.totals.compared === 0 ? 'no_data' : details.ok ? 'pass' : 'fail';
  const head =
    status === 'no_data'
      ? `shadow parity: NO DATA since ${details.window.since} (no legacy/runtime pairs to compare${details.totals.pending ? `; ${details.totals.pending} still running` : ''})`
      : `shadow parity: ${status.toUpperCase()} (threshold ${percent(settings.threshold)}, overall ${percent(details.totals.parityRate)} since ${details.window.since})`;
  return { ok: status !== 'fail', status, summary: [head, ...details.families.map(familyLine)].join('\n'), details };
}
