import type { StepInputMapping } from './definition';

/** `{{path}}` in a step's string input; definition.ts checks the paths, resolveStepInput fills them. */
export const TEMPLATE_RE = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/** A pipeline run's memory: the command input and every finished step's output, by step id. */
export interface PipelineMemory {
  input: Record<string, unknown>;
  steps: Record<string, unknown>;
}

/** The value at a dotted path (`input.question`, `steps.research.summary`), or undefined. */
export function lookup(memory: unknown, path: string): unknown {
  let current: unknown = memory;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function asText(value: unknown, join = '\n'): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => asText(v, join)).join(join);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A step's input from its mapping: `{ from }` values are copied (a list joined when `join` is
 * given), templates are filled in, and a `{ from }` that finds nothing leaves the field out, so the
 * agent family's schema decides whether it was required.
 */
export function resolveStepInput(mapping: StepInputMapping, memory: PipelineMemory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(mapping)) {
    if (typeof value === 'string') {
      out[field] = value.replace(TEMPLATE_RE, (_, path: string) => asText(lookup(memory, path)));
      continue;
    }
    const found = lookup(memory, value.from);
    if (found === undefined) continue;
    out[field] = value.join !== undefined ? asText(found, value.join) : found;
  }
  return out;
}
