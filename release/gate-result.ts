/**
 * What every release gate reports, so the evidence bundle can hold gates it knows nothing about
 * (the parity comparator plugs in through the same shape).
 */
export type GateStatus = 'passed' | 'failed' | 'not_available';

export interface GateResult {
  name: string;
  /** False only for 'failed': a gate that could not run here (not_available) does not block. */
  ok: boolean;
  status: GateStatus;
  /** One line for summary.md. */
  summary: string;
  /** The gate's full report, written to <name>.json. */
  details: unknown;
}

export interface Gate {
  name: string;
  run(): Promise<GateResult>;
}

export function passed(name: string, summary: string, details: unknown): GateResult {
  return { name, ok: true, status: 'passed', summary, details };
}

export function failed(name: string, summary: string, details: unknown): GateResult {
  return { name, ok: false, status: 'failed', summary, details };
}

export function notAvailable(name: string, summary: string, details: unknown = null): GateResult {
  return { name, ok: true, status: 'not_available', summary, details };
}

export const judged = (name: string, ok: boolean, summary: string, details: unknown): GateResult =>
  (ok ? passed : failed)(name, summary, details);

/** Runs a gate; one that throws has failed (a crashed check must not read as a skipped one). */
export async function runGate(gate: Gate): Promise<GateResult> {
  try {
    return await gate.run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return failed(gate.name, `the gate itself failed: ${message.split('\n')[0]}`, { error: message });
  }
}
