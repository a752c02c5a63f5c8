/**
 * USD per million tokens, per provider/model. The runtime prices attempts itself rather than
 * trusting each gateway's figure, so cost caps work the same whatever the gateway reports; the
 * gateway's own figure is stored beside ours for comparison.
 */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

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
const FALLBACK_PRICE: ModelPrice = Object.values(PRICE_TABLE).reduce((a, b) =>
  a.inputPerMillion + a.outputPerMillion >= b.inputPerMillion + b.outputPerMillion ? a : b,
);

export function priceFor(provider: string | null, model: string | null): ModelPrice {
  return PRICE_TABLE[`${provider ?? ''}/${model ?? ''}`] ?? FALLBACK_PRICE;
}

/** Rounded to 6 decimals, the precision of the cost columns. */
export function costUsd(price: ModelPrice, tokensIn: number, tokensOut: number): number {
  const raw = (tokensIn * price.inputPerMillion + tokensOut * price.outputPerMillion) / 1_000_000;
  return Math.round(raw * 1_000_000) / 1_000_000;
}
