/**
 * USD per million tokens, per provider/model. The runtime prices attempts itself rather than
 * trusting each gateway's figure, so cost caps work the same whatever the gateway reports; the
 * gateway's own figure is stored beside ours for comparison.
 */
import { z } from 'zod';

export const modelPriceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative(),
  outputPerMillion: z.number().nonnegative(),
  /** Longest answer the model may give (the gateway's maxTokens for it): the worst case of an attempt. */
  maxOutputTokens: z.number().int().positive().optional(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** `<provider>/<model>` -> price; RUNTIME_PRICE_TABLE entries replace or add to the defaults below. */
export const priceTableSchema = z.record(z.string().regex(/^[^/\s]+\/[^\s]+$/, { error: 'expected a <provider>/<model> key' }), modelPriceSchema);
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** The gateway's maxTokens default for a model (scripts/gateway/launch.ts configures the same). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

/** Default of RUNTIME_PROMPT_OVERHEAD_TOKENS: what the pinned gateway adds to a message, rounded up (measured in test/integration/cost-governance.test.ts). */
export const DEFAULT_PROMPT_OVERHEAD_TOKENS = 16_000;

export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  // The gateway's model refs (`<provider>/<modelId>`) as configured by scripts/gateway/launch.ts:
  // three providers served by the AI-provider stand-in, priced like the models they stand for
  // (list prices, standard tier), so cost arithmetic and cost caps are exercised realistically.
  'gemini-standin/gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'gemini-standin/gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'claude-standin/claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-standin/claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
  'openai-standin/gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'openai-standin/gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  // The same models under the real vendors' OpenClaw provider ids, for a gateway wired to them.
  'google/gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'google/gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'anthropic/claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic/claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
  'openai/gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'openai/gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
};

/** Conservative price for a model missing from the table: the dearest known one. */
function dearest(table: PriceTable): ModelPrice {
  return Object.values(table).reduce((a, b) => (a.inputPerMillion + a.outputPerMillion >= b.inputPerMillion + b.outputPerMillion ? a : b));
}

export function withPriceOverrides(overrides: PriceTable | undefined): PriceTable {
  return overrides ? { ...PRICE_TABLE, ...overrides } : PRICE_TABLE;
}

export function priceFor(provider: string | null, model: string | null, table: PriceTable = PRICE_TABLE): ModelPrice {
  return table[`${provider ?? ''}/${model ?? ''}`] ?? dearest(table);
}

/**
 * The most one attempt can cost: every prompt token plus the model's longest answer. The cost cap
 * is checked against this before the gateway is called, so the cap holds whatever the model says.
 */
export function worstCaseCostUsd(price: ModelPrice, promptTokens: number): number {
  return costUsd(price, promptTokens, price.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS);
}

/** Rounded to 6 decimals, the precision of the cost columns. */
export function costUsd(price: ModelPrice, tokensIn: number, tokensOut: number): number {
  const raw = (tokensIn * price.inputPerMillion + tokensOut * price.outputPerMillion) / 1_000_000;
  return Math.round(raw * 1_000_000) / 1_000_000;
}
