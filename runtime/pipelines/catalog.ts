import { z } from 'zod';
import { pipelineDefinitionSchema, type PipelineDefinition } from './definition';

/** Test steering of the AI-provider stand-in per step id (see `scenario` in the agent registry). */
const scenarioFields = { stepScenarios: z.record(z.string(), z.string().max(128)).optional() };

const scenarioFor = (step: string) => ({ from: `input.stepScenarios.${step}` });

export interface PipelineEntry {
  definition: PipelineDefinition;
  inputSchema: z.ZodType<Record<string, unknown>>;
}

function pipeline(definition: PipelineDefinition, inputSchema: z.ZodType<Record<string, unknown>>): PipelineEntry {
  return { definition: pipelineDefinitionSchema.parse(definition), inputSchema };
}

/**
 * StartInsight's multi-step workflows. Each is reached as (agent family, action) through the router;
 * adding one is adding an entry here and a route in runtime/router.ts.
 */
export const PIPELINES = {
  research_report: pipeline(
    {
      name: 'research_report',
      description: 'Research a question, analyse the market it concerns, write the report.',
      steps: [
        { id: 'research', kind: 'agent', agentFamily: 'research', action: 'investigate', input: { question: { from: 'input.question' }, depth: { from: 'input.depth' }, scenario: scenarioFor('research') } },
        {
          id: 'analyse',
          kind: 'agent',
          agentFamily: 'market_insight',
          action: 'analyse',
          input: { market: { from: 'input.market' }, context: 'Research summary: {{steps.research.summary}}\nFindings:\n{{steps.research.findings}}', scenario: scenarioFor('analyse') },
        },
        {
          id: 'report',
          kind: 'agent',
          agentFamily: 'content',
          action: 'draft',
          input: {
            brief: 'Report on "{{input.question}}" for the market {{input.market}}.',
            audience: { from: 'input.audience' },
            context: 'Research: {{steps.research.summary}}\nMarket analysis: {{steps.analyse.summary}}\n{{steps.analyse.findings}}',
            scenario: scenarioFor('report'),
          },
        },
      ],
    },
    z.strictObject({ question: z.string().min(1).max(2000), market: z.string().min(1).max(200), depth: z.enum(['brief', 'standard', 'deep']).optional(), audience: z.string().max(200).optional(), ...scenarioFields }),
  ),
  reviewed_brief: pipeline(
    {
      name: 'reviewed_brief',
      description: 'Research a question, wait for an editor to approve the findings, then draft the brief.',
      steps: [
        { id: 'research', kind: 'agent', agentFamily: 'research', action: 'investigate', input: { question: { from: 'input.question' }, scenario: scenarioFor('research') } },
        { id: 'review', kind: 'approval', question: 'Are the research findings good enough to draft the brief?', timeoutMs: 24 * 3600 * 1000, timeoutFrom: 'input.approvalTimeoutMs' },
        { id: 'draft', kind: 'agent', agentFamily: 'content', action: 'draft', input: { brief: 'Brief on: {{input.question}}', context: '{{steps.research.summary}}\n{{steps.review.note}}', scenario: scenarioFor('draft') } },
      ],
    },
    z.strictObject({ question: z.string().min(1).max(2000), approvalTimeoutMs: z.number().int().min(1000).max(30 * 24 * 3600 * 1000).optional(), ...scenarioFields }),
  ),
  market_watch: pipeline(
    {
      name: 'market_watch',
      description: 'Scan a market and its trend keywords at once, then summarise both.',
      steps: [
        {
          id: 'scan',
          kind: 'parallel',
          steps: [
            { id: 'market', kind: 'agent', agentFamily: 'market_insight', action: 'scan', input: { market: { from: 'input.market' }, scenario: scenarioFor('market') } },
            { id: 'trends', kind: 'agent', agentFamily: 'trend_watch', action: 'scan', input: { keywords: { from: 'input.keywords' }, scenario: scenarioFor('trends') } },
          ],
        },
        {
          id: 'summary',
          kind: 'agent',
          agentFamily: 'content',
          action: 'draft',
          input: { brief: 'Weekly watch of {{input.market}}', context: '{{steps.market.summary}}\n{{steps.trends.summary}}', scenario: scenarioFor('summary') },
        },
      ],
    },
    z.strictObject({ market: z.string().min(1).max(200), keywords: z.array(z.string().min(1).max(100)).min(1).max(50), ...scenarioFields }),
  ),
} as const satisfies Record<string, PipelineEntry>;

export type PipelineName = keyof typeof PIPELINES;
