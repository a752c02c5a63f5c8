import { sql, type SqlPool } from '../persistence/sql';
import type { PolicyProfile, PolicyProfileName } from '../runtime/policy/profiles';
import { policyOverridesSchema, resolvePolicy } from '../runtime/policy/resolve';
import { CommandSetupError } from './errors';

/**
 * A command's policy: its profile, then the agent family's overrides from the
 * agent_configurations row named after the family, then RUNTIME_DEAD_LETTER_THRESHOLD.
 */
export async function policyForCommand(
  db: SqlPool,
  command: { agentFamily: string; policyProfile: string },
  deadLetterThreshold: number | undefined,
): Promise<PolicyProfile> {
  // One column by its unique name on the hot-path pool: this runs on every submission, and
  // Prisma's query compilation cost more CPU than the query itself (bench/README.md).
  const { rows: [config] } = await db.query<{ policy_overrides: unknown }>(sql`SELECT policy_overrides FROM agent_configurations WHERE name = ${command.agentFamily}`);
  const overrides = policyOverridesSchema.safeParse(config?.policy_overrides ?? undefined);
  if (!overrides.success) {
    throw new CommandSetupError(500, 'agent_configuration_invalid', `agent_configurations row "${command.agentFamily}" has invalid policy_overrides`, {
      fields: overrides.error.issues.map((i) => ({ path: `policy_overrides.${i.path.join('.')}`, code: i.code, message: i.message })),
    });
  }
  return resolvePolicy(command.policyProfile as PolicyProfileName, overrides.data, deadLetterThreshold);
}
