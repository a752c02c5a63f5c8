import { z } from 'zod';

/**
 * How the parity comparator judges one output field of a legacy/runtime pair:
 * - `exact`: equal JSON values (object key order ignored);
 * - `present`: both sides have the field (not null or missing): right for model text, which two
 *   executions never word the same;
 * - `{ abs?, rel? }`: both numbers, within `abs` of each other or within `rel` of the larger
 *   magnitude (either bound suffices; neither given means equal).
 */
export const fieldRuleSchema = z.union([
  z.literal('exact'),
  z.literal('present'),
  z.strictObject({ abs: z.number().min(0).optional(), rel: z.number().min(0).max(1).optional() }),
]);
export type FieldRule = z.infer<typeof fieldRuleSchema>;

/** Dotted paths into the output object (`summary`, `scores.total`), each with its rule. */
const fieldPath = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, { error: 'expected a dotted field path like summary or scores.total' });
export const familyRulesSchema = z.record(fieldPath, fieldRuleSchema);
export type FamilyRules = z.infer<typeof familyRulesSchema>;

/** Rules per agent family; `*` applies to families without their own entry (a family's entry replaces it). */
export const parityRulesSchema = z.record(z.string().regex(/^(\*|[a-z][a-z0-9_]{0,63})$/, { error: 'expected an agent family or *' }), familyRulesSchema);
export type ParityRules = z.infer<typeof parityRulesSchema>;

/** Every family's output is {summary, findings} (runtime/agents/registry.ts); their text differs run to run. */
export const DEFAULT_PARITY_RULES: ParityRules = { '*': { summary: 'present', findings: 'present' } };

export const PARITY_RULES_ALLOWED = 'JSON object {"<agentFamily>|*": {"<field.path>": "exact" | "present" | {"abs"?: n, "rel"?: 0..1}}}';

/** The rules one family is judged by. */
export function rulesFor(rules: ParityRules, family: string): FamilyRules {
  return rules[family] ?? rules['*'] ?? {};
}

/** Everything the comparator needs besides the pairs; built from configuration by paritySettingsFrom. */
export interface ParitySettings {
  /** Lowest parity rate (0..1) every family must reach for the gate to pass. */
  threshold: number;
  rules: ParityRules;
  /** Largest |runtime - legacy| latency still counted as parity, in ms. */
  latencyToleranceMs: number;
  /** Largest |runtime - legacy| cost still counted as parity, in USD. */
  costToleranceUsd: number;
}

export function paritySettingsFrom(config: {
  RUNTIME_SHADOW_PARITY_THRESHOLD: number;
  RUNTIME_SHADOW_PARITY_RULES: ParityRules | undefined;
  RUNTIME_SHADOW_LATENCY_TOLERANCE_MS: number;
  RUNTIME_SHADOW_COST_TOLERANCE_USD: number;
}): ParitySettings {
  return {
    threshold: config.RUNTIME_SHADOW_PARITY_THRESHOLD,
    rules: config.RUNTIME_SHADOW_PARITY_RULES ?? DEFAULT_PARITY_RULES,
    latencyToleranceMs: config.RUNTIME_SHADOW_LATENCY_TOLERANCE_MS,
    costToleranceUsd: config.RUNTIME_SHADOW_COST_TOLERANCE_USD,
  };
}
