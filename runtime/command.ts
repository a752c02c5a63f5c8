import { z } from 'zod';
import { AGENT_FAMILY_NAMES, type AgentFamily } from './agents/registry';
import { actionsFor, routeCommand } from './router';
import { POLICY_PROFILE_NAMES, type PolicyProfile, type PolicyProfileName } from './policy/profiles';

/**
 * The public command envelope: defined once, and the API's validation, the workflow input and the
 * docs all derive from it.
 */
export const commandEnvelopeSchema = z
  .strictObject({
    agentFamily: z.enum(AGENT_FAMILY_NAMES),
    action: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected a lower-case action name' }),
    input: z.record(z.string(), z.unknown()),
    policyProfile: z.enum(POLICY_PROFILE_NAMES).optional(),
  })
  .superRefine((env, ctx) => {
    const route = routeCommand(env.agentFamily, env.action);
    if (!route) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `unknown action for ${env.agentFamily}; allowed: ${actionsFor(env.agentFamily).join(', ')}` });
      return;
    }
    const parsed = route.inputSchema.safeParse(env.input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['input', ...issue.path] } as never);
    }
  });

export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

/** Idempotency keys are opaque to us but must be printable and bounded (they land in a unique index). */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, { error: 'expected 1-200 printable ASCII characters' });

/** W3C trace context `traceparent`: version-traceid-parentid-flags. */
export const traceparentSchema = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, { error: 'expected a W3C traceparent' })
  .refine((v) => v.slice(3, 35) !== '0'.repeat(32), { error: 'trace id must not be all zeros' });

/** What the workflow receives. Everything it needs, so it never reads the database. */
export interface AgentCommandWorkflowInput {
  commandId: string;
  agentFamily: AgentFamily;
  action: string;
  input: Record<string, unknown>;
  policyProfile: PolicyProfileName;
  traceId: string;
  shadow: boolean;
  /** The resolved policy (profile + family overrides + threshold override). Absent in runs started before it existed. */
  policy?: PolicyProfile;
  /** Attempt number already used by earlier runs of this command (a dead letter replayed after its workflow closed). */
  attemptBase?: number;
  /** The admin replay that started this run, if any. */
  replayId?: string;
  /** Model refs attempts may use, in order (provider fallback). Absent in runs started before it: the executor's default model only. */
  models?: string[];
  /**
   * The workflow code revision the run was started for (workflows/code-revision.ts). Absent in runs
   * started before revisions existed: those ask patched() where they always did.
   */
  codeRevision?: number;
}

/** Workflow ids are derived, so a command maps to exactly one workflow id for its whole life. */
export function workflowIdForCommand(commandId: string): string {
  return `command-${commandId}`;
}

export { AGENT_COMMAND_WORKFLOW_TYPE } from './router';
