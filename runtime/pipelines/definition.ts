import { z } from 'zod';
import { AGENT_FAMILIES, AGENT_FAMILY_NAMES } from '../agents/registry';
import { POLICY_PROFILE_NAMES } from '../policy/profiles';
import { TEMPLATE_RE } from './mapping';

const stepId = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, { error: 'expected a lower-case step id' });

/**
 * Where a step input value comes from: `input.<field>` (the command's input) or
 * `steps.<id>.<field>` (an earlier step's output), optionally joined when it is a list. A string
 * value is a template in which `{{path}}` is replaced the same way.
 */
export const valuePathSchema = z.string().regex(/^(input|steps\.[a-z][a-z0-9_]*)(\.[A-Za-z0-9_]+)*$/, { error: 'expected input.<field> or steps.<id>.<field>' });
export const stepValueSchema = z.union([z.string().max(20_000), z.strictObject({ from: valuePathSchema, join: z.string().max(16).optional() })]);
export const stepInputMappingSchema = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), stepValueSchema);
export type StepInputMapping = z.infer<typeof stepInputMappingSchema>;

export const agentStepSchema = z.strictObject({
  id: stepId,
  kind: z.literal('agent'),
  agentFamily: z.enum(AGENT_FAMILY_NAMES),
  action: z.string(),
  /** The step's own retry/timeout profile; the command's profile when absent. The cost cap is the command's. */
  policyProfile: z.enum(POLICY_PROFILE_NAMES).optional(),
  input: stepInputMappingSchema,
});
export type AgentStep = z.infer<typeof agentStepSchema>;

export const approvalStepSchema = z.strictObject({
  id: stepId,
  kind: z.literal('approval'),
  /** What the approver is asked; shown in the state query and the step transition. */
  question: z.string().min(1).max(500),
  timeoutMs: z.number().int().min(1000).max(30 * 24 * 3600 * 1000),
  /** A command input field that may shorten or lengthen the wait for this command. */
  timeoutFrom: valuePathSchema.optional(),
});
export type ApprovalStep = z.infer<typeof approvalStepSchema>;

export const parallelStepSchema = z.strictObject({ id: stepId, kind: z.literal('parallel'), steps: z.array(agentStepSchema).min(2).max(8) });
export type ParallelStep = z.infer<typeof parallelStepSchema>;

export const pipelineStepSchema = z.discriminatedUnion('kind', [agentStepSchema, approvalStepSchema, parallelStepSchema]);
export type PipelineStep = z.infer<typeof pipelineStepSchema>;

/**
 * A multi-step workflow declared as data: steps run in order, a parallel step runs its agent steps
 * at once, inputs are mapped from the command's input and earlier outputs. The definition travels
 * in the workflow input, so editing the catalog never changes a running pipeline or its replay.
 */
export const pipelineDefinitionSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    description: z.string(),
    steps: z.array(pipelineStepSchema).min(1).max(32),
  })
  .superRefine((def, ctx) => {
    // The command's result is the last step's output, so the last step must produce one.
    if (def.steps.at(-1)?.kind === 'approval') ctx.addIssue({ code: 'custom', path: ['steps'], message: 'the last step must be an agent or parallel step' });
    const seen = new Set<string>();
    def.steps.forEach((step, i) => {
      const agents = step.kind === 'parallel' ? step.steps : step.kind === 'agent' ? [step] : [];
      for (const id of [step.id, ...(step.kind === 'parallel' ? step.steps.map((s) => s.id) : [])]) {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id ${id} is used twice` });
      }
      for (const agent of agents) {
        if (!(AGENT_FAMILIES[agent.agentFamily].actions as readonly string[]).includes(agent.action)) {
          ctx.addIssue({ code: 'custom', path: ['steps', i], message: `${agent.agentFamily} has no action ${agent.action}` });
        }
        // A step reads only what exists before it runs: earlier steps, never itself or a sibling.
        for (const ref of referencedSteps(agent.input)) {
          if (!seen.has(ref)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'input'], message: `step ${agent.id} reads steps.${ref}, which does not run before it` });
        }
      }
      seen.add(step.id);
      if (step.kind === 'parallel') for (const s of step.steps) seen.add(s.id);
    });
  });
export type PipelineDefinition = z.infer<typeof pipelineDefinitionSchema>;

function referencedSteps(mapping: StepInputMapping): string[] {
  const paths = Object.values(mapping).flatMap((v) => (typeof v === 'string' ? [...v.matchAll(TEMPLATE_RE)].map((m) => m[1]!) : [v.from]));
  return paths.filter((p) => p.startsWith('steps.')).map((p) => p.split('.')[1]!);
}

