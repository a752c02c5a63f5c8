import { z } from 'zod';

/**
 * StartInsight's agent families as data: which gateway agent runs them, which actions they accept,
 * what input they take and what output they must return. Adding a family is adding an entry here.
 */

/** One or more stand-in scenario entries joined with `+`, each `kind(:arg){0,3}` and an optional `@provider`. */
const SCENARIO_RE = /^[a-z]+(:[A-Za-z0-9]+){0,3}(@[a-z][a-z0-9-]*)?(\+[a-z]+(:[A-Za-z0-9]+){0,3}(@[a-z][a-z0-9-]*)?)*$/;

/**
 * Gateway model refs (`<provider>/<modelId>`, as configured in the gateway) one attempt may run
 * on: the primary first, then the fallbacks in order. Which attempt uses which ref is the
 * executor's / policy's decision; the adapter runs exactly the ref it is given (no gateway-side
 * fallback).
 */
export interface DefaultModels {
  primary: string;
  fallbacks: readonly string[];
}

/** Gemini first, then Claude, then OpenAI (provider ids of the gateway config in scripts/gateway/launch.ts). */
const STANDARD_MODELS: DefaultModels = {
  primary: 'gemini-standin/gemini-2.5-flash',
  fallbacks: ['claude-standin/claude-sonnet-4-5', 'openai-standin/gpt-5'],
};
const DEEP_MODELS: DefaultModels = {
  primary: 'gemini-standin/gemini-2.5-pro',
  fallbacks: ['claude-standin/claude-sonnet-4-5', 'openai-standin/gpt-5'],
};
const LIGHT_MODELS: DefaultModels = {
  primary: 'gemini-standin/gemini-2.5-flash',
  fallbacks: ['claude-standin/claude-haiku-4-5', 'openai-standin/gpt-5-mini'],
};

/** Keys every family's input may carry besides its own fields. */
const commonInputFields = {
  /**
   * Steers the AI-provider stand-in in tests (`ok`, `status:429:2`, `slow:500`, `hang`, `drop`,
   * `usage:100:20`, `badjson`, `status:503:9@gemini`, entries joined with `+`; see
   * scripts/provider-standin/server.ts). A real provider never sees a difference: the marker is
   * plain text in the prompt.
   */
  scenario: z.string().regex(SCENARIO_RE).max(128).optional(),
  context: z.string().max(20_000).optional(),
};

export const agentOutputSchema = z.object({
  summary: z.string().min(1),
  findings: z.array(z.string()).default([]),
});
export type AgentOutput = z.infer<typeof agentOutputSchema>;

export interface AgentFamilyDefinition<I extends z.ZodType = z.ZodType> {
  family: string;
  /** Agent id configured in the OpenClaw gateway. */
  gatewayAgentId: string;
  actions: readonly string[];
  inputSchema: I;
  outputSchema: typeof agentOutputSchema;
  /** Models to run on, in order of preference (every ref must have a price in runtime/pricing.ts). */
  defaultModels: DefaultModels;
  /** Builds the agent's instruction from validated input. */
  prompt(action: string, input: z.infer<I>): string;
}

function define<I extends z.ZodType>(def: AgentFamilyDefinition<I>): AgentFamilyDefinition<I> {
  return def;
}

const ANSWER_FORMAT =
  'Answer with one JSON object only: {"summary": string, "findings": string[]}. No prose around it.';

export const AGENT_FAMILIES = {
  market_insight: define({
    family: 'market_insight',
    gatewayAgentId: 'market-insight',
    actions: ['scan', 'analyse'],
    inputSchema: z.strictObject({ market: z.string().min(1).max(200), region: z.string().max(100).optional(), ...commonInputFields }),
    outputSchema: agentOutputSchema,
    defaultModels: STANDARD_MODELS,
    prompt: (action, i) => `Market insight (${action}) for the market "${i.market}"${i.region ? ` in ${i.region}` : ''}.\n${i.context ?? ''}\n${ANSWER_FORMAT}`,
  }),
  research: define({
    family: 'research',
    gatewayAgentId: 'research',
    actions: ['investigate', 'summarise'],
    inputSchema: z.strictObject({ question: z.string().min(1).max(2000), depth: z.enum(['brief', 'standard', 'deep']).optional(), ...commonInputFields }),
    outputSchema: agentOutputSchema,
    defaultModels: DEEP_MODELS,
    prompt: (action, i) => `Research (${action}, depth ${i.depth ?? 'standard'}): ${i.question}\n${i.context ?? ''}\n${ANSWER_FORMAT}`,
  }),
  content: define({
    family: 'content',
    gatewayAgentId: 'content',
    actions: ['draft', 'rewrite'],
    inputSchema: z.strictObject({ brief: z.string().min(1).max(4000), audience: z.string().max(200).optional(), ...commonInputFields }),
    outputSchema: agentOutputSchema,
    defaultModels: STANDARD_MODELS,
    prompt: (action, i) => `Content (${action}) for ${i.audience ?? 'a general audience'}: ${i.brief}\n${i.context ?? ''}\n${ANSWER_FORMAT}`,
  }),
  trend_watch: define({
    family: 'trend_watch',
    gatewayAgentId: 'trend-watch',
    actions: ['refresh', 'scan'],
    inputSchema: z.strictObject({ keywords: z.array(z.string().min(1).max(100)).min(1).max(50), ...commonInputFields }),
    outputSchema: agentOutputSchema,
    defaultModels: LIGHT_MODELS,
    prompt: (action, i) => `Trend watch (${action}) for keywords: ${i.keywords.join(', ')}.\n${i.context ?? ''}\n${ANSWER_FORMAT}`,
  }),
} as const;

export type AgentFamily = keyof typeof AGENT_FAMILIES;
export const AGENT_FAMILY_NAMES = Object.keys(AGENT_FAMILIES) as [AgentFamily, ...AgentFamily[]];

export function getAgentFamily(family: AgentFamily): AgentFamilyDefinition {
  return AGENT_FAMILIES[family] as unknown as AgentFamilyDefinition;
}

/** A family's models in the order attempts may use them: primary, then fallbacks. */
export function modelChainFor(family: AgentFamily): string[] {
  const { primary, fallbacks } = AGENT_FAMILIES[family].defaultModels;
  return [primary, ...fallbacks];
}
