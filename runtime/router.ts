import type { z } from 'zod';
import { AGENT_FAMILIES, type AgentFamily } from './agents/registry';
import { PIPELINES, type PipelineName } from './pipelines/catalog';
import type { PipelineDefinition } from './pipelines/definition';

export const AGENT_COMMAND_WORKFLOW_TYPE = 'agentCommandWorkflow';
export const PIPELINE_WORKFLOW_TYPE = 'pipelineWorkflow';

/** (agent family, action) -> pipeline, for the actions that are multi-step workflows. */
const PIPELINE_ROUTES: Partial<Record<AgentFamily, Record<string, PipelineName>>> = {
  research: { report: 'research_report', reviewed_brief: 'reviewed_brief' },
  market_insight: { watch: 'market_watch' },
};

export type Route =
  | { workflowType: typeof AGENT_COMMAND_WORKFLOW_TYPE; inputSchema: z.ZodType }
  | { workflowType: typeof PIPELINE_WORKFLOW_TYPE; inputSchema: z.ZodType; pipeline: PipelineDefinition };

/**
 * The workflow router: a command's (agent family, action) picks its workflow definition, a single
 * agent call or a declared pipeline, and the input schema it is validated with. Undefined: no such
 * action for the family.
 */
export function routeCommand(agentFamily: AgentFamily, action: string): Route | undefined {
  const pipelineName = PIPELINE_ROUTES[agentFamily]?.[action];
  if (pipelineName) {
    const entry = PIPELINES[pipelineName];
    return { workflowType: PIPELINE_WORKFLOW_TYPE, inputSchema: entry.inputSchema, pipeline: entry.definition };
  }
  const family = AGENT_FAMILIES[agentFamily];
  return (family.actions as readonly string[]).includes(action) ? { workflowType: AGENT_COMMAND_WORKFLOW_TYPE, inputSchema: family.inputSchema } : undefined;
}

/** Every action a family accepts: its own agent actions, then its pipelines. */
export function actionsFor(agentFamily: AgentFamily): string[] {
  return [...AGENT_FAMILIES[agentFamily].actions, ...Object.keys(PIPELINE_ROUTES[agentFamily] ?? {})];
}

/** The schema a command's input must pass (also after a replay's input patch); undefined for an unknown action. */
export function commandInputSchema(agentFamily: string, action: string): z.ZodType | undefined {
  return agentFamily in AGENT_FAMILIES ? routeCommand(agentFamily as AgentFamily, action)?.inputSchema : undefined;
}
