import type { RuntimeCommand } from '../persistence/prisma-client';
import type { SqlPool } from '../persistence/sql';
import { modelChainFor, type AgentFamily } from '../runtime/agents/registry';
import { WORKFLOW_CODE_REVISION } from '../runtime/code-revision';
import { AGENT_COMMAND_WORKFLOW_TYPE, type AgentCommandWorkflowInput } from '../runtime/command';
import type { RuntimeConfig } from '../runtime/config/schema';
import type { PipelineWorkflowInput } from '../runtime/pipelines/contract';
import type { PolicyProfile, PolicyProfileName } from '../runtime/policy/profiles';
import { routeCommand } from '../runtime/router';
import { CommandSetupError } from './errors';
import { policyForCommand } from './policy-for-command';

/** What differs between a first start and a restart of a closed command (a dead letter replayed as a new run). */
export interface RestartOf {
  input: Record<string, unknown>;
  attemptBase: number;
  replayId: string;
}

/**
 * The workflow type and input a command starts with. Everything the workflow needs is resolved
 * here, once (policy, model chain), so the workflow never reads configuration and a later change
 * of it never alters a running command or its replay.
 */
export interface StartSettings {
  /** RUNTIME_DEAD_LETTER_THRESHOLD */
  deadLetterThreshold: number | undefined;
  /** RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents: number;
}

export function startSettingsFrom(config: Pick<RuntimeConfig, 'RUNTIME_DEAD_LETTER_THRESHOLD' | 'RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS'>): StartSettings {
  return { deadLetterThreshold: config.RUNTIME_DEAD_LETTER_THRESHOLD, continueAsNewAfterEvents: config.RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS };
}

export async function workflowStartFor(
  db: SqlPool,
  command: RuntimeCommand,
  settings: StartSettings,
  restart?: RestartOf,
): Promise<{ workflowType: string; args: AgentCommandWorkflowInput | PipelineWorkflowInput }> {
  const agentFamily = command.agentFamily as AgentFamily;
  const { deadLetterThreshold } = settings;
  const route = routeCommand(agentFamily, command.action);
  if (!route) throw new CommandSetupError(409, 'command_unroutable', `${agentFamily} has no action ${command.action} any more`, { agentFamily, action: command.action });
  const args: AgentCommandWorkflowInput = {
    commandId: command.id,
    agentFamily,
    action: command.action,
    input: restart?.input ?? (command.input as Record<string, unknown>),
    policyProfile: command.policyProfile as PolicyProfileName,
    traceId: command.traceId,
    shadow: command.shadow,
    policy: await policyForCommand(db, command, deadLetterThreshold),
    models: modelChainFor(agentFamily),
    ...(restart ? { attemptBase: restart.attemptBase, replayId: restart.replayId } : {}),
    codeRevision: WORKFLOW_CODE_REVISION,
  };
  if (route.workflowType === AGENT_COMMAND_WORKFLOW_TYPE) return { workflowType: route.workflowType, args };

  const agentSteps = route.pipeline.steps.flatMap((s) => (s.kind === 'parallel' ? s.steps : s.kind === 'agent' ? [s] : []));
  const stepPolicies: Record<string, PolicyProfile> = {};
  for (const s of agentSteps) {
    stepPolicies[s.id] = await policyForCommand(db, { agentFamily: s.agentFamily, policyProfile: s.policyProfile ?? command.policyProfile }, deadLetterThreshold);
  }
  const pipelineArgs: PipelineWorkflowInput = {
    ...args,
    pipeline: route.pipeline,
    stepPolicies,
    stepModels: Object.fromEntries(agentSteps.map((s) => [s.id, modelChainFor(s.agentFamily)])),
    continueAsNewAfterEvents: settings.continueAsNewAfterEvents,
  };
  return { workflowType: route.workflowType, args: pipelineArgs };
}
