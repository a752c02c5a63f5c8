import { z } from 'zod';
import type { AgentCommandWorkflowInput } from '../command';
import type { MemoryRef } from '../memory';
import type { PolicyProfile } from '../policy/profiles';
import type { PipelineDefinition } from './definition';

/**
 * The approval signal and state query of a pipeline run: a public contract, sent by the API
 * (POST /v1/commands/:id/approvals) or pasted into the Temporal UI.
 */
export { APPROVAL_SIGNAL, PIPELINE_STATE_QUERY } from '../workflow-messages';

/** Default of RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS. */
export const DEFAULT_CONTINUE_AS_NEW_EVENTS = 10_000;

export const approvalSignalSchema = z.strictObject({
  step: z.string().min(1).max(48),
  decision: z.enum(['approve', 'reject']),
  actor: z.string().min(1).max(200),
  note: z.string().max(2000).optional(),
});
export type ApprovalSignal = z.infer<typeof approvalSignalSchema>;

export interface StepState {
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'waiting_approval' | 'approved' | 'rejected' | 'timed_out';
  attempts: number;
  costUsd: number;
}

/** What the `state` query answers. */
export interface PipelineState {
  pipeline: string;
  status: 'running' | 'waiting_approval' | 'dead_lettered' | 'succeeded' | 'failed' | 'discarded';
  currentStep: string | null;
  steps: Record<string, StepState>;
  costUsd: number;
  memory: MemoryRef | null;
}

/** Carried through continueAsNew: where the next run picks up. */
export interface PipelineResume {
  memory: MemoryRef;
  completedSteps: string[];
  lastAttempt: number;
  roundStart: number;
  costUsd: number;
  replayed: boolean;
}

export interface PipelineWorkflowInput extends AgentCommandWorkflowInput {
  pipeline: PipelineDefinition;
  /** Each agent step's resolved policy (its own profile or the command's, with its family's overrides). */
  stepPolicies: Record<string, PolicyProfile>;
  /** Each agent step's model chain (its family's). */
  stepModels: Record<string, string[]>;
  /** History length after which the run continues as new between steps (RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS). */
  continueAsNewAfterEvents: number;
  resume?: PipelineResume;
}
