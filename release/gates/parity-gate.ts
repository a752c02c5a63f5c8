import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { notAvailable, type Gate, type GateResult } from '../gate-result';

/**
 * The slot for the shadow-mode parity comparator. Contract for the module that fills it:
 * shadow/parity-gate.ts exporting `runParityGate(): Promise<GateResult>` (named 'parity'), which
 * fails below the configured parity rate. Until that module exists the bundle says
 * not_available instead of inventing a verdict.
 */
export const PARITY_GATE_MODULE = path.resolve(__dirname, '..', '..', 'shadow', 'parity-gate.js');

export function parityGate(modulePath: string = PARITY_GATE_MODULE): Gate {
  const name = 'parity';
  return {
    name,
    async run() {
      if (!existsSync(modulePath)) return notAvailable(name, `no parity comparator yet (${path.basename(modulePath, '.js')} module absent)`, { modulePath });
      // Loaded by path at run time: the comparator is built separately and may not exist in this tree.
      const mod = require(modulePath) as { runParityGate?: () => Promise<GateResult> };
      if (typeof mod.runParityGate !== 'function') throw new Error(`${modulePath} does not export runParityGate()`);
      return { ...(await mod.runParityGate()), name };
    },
  };
}
