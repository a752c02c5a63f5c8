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
  // Stand-ins priced like the models they stand for, so cost arithmetic is exercised realistically.
  'local/gemini-standin': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'local/claude-standin': { inputPerMillion: 3, outputPerMillion: 15 },
  'local/openai-standin': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'google/gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'anthropic/claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'openai/gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
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
