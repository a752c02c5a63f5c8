import { Prisma, type RuntimeCommand } from '../persistence/prisma-client';
import { sql, type SqlPool } from '../persistence/sql';

/** The columns a submission decides; the rest start at their defaults. */
export type NewCommand = Pick<
  RuntimeCommand,
  'id' | 'idempotencyKey' | 'requestHash' | 'agentFamily' | 'action' | 'policyProfile' | 'traceId' | 'workflowId' | 'shadow' | 'replayOfCommandId' | 'ownerTenant' | 'submittedBy'
> & { input: Record<string, unknown> };

/**
 * Inserts a submitted command and claims its idempotency key in one statement, or answers null
 * when the key is already taken. Raw on node-postgres: this runs on every submission, and Prisma's
 * `create` spent more CPU compiling the query than PostgreSQL spent running it (bench/README.md).
 * The row comes back as Prisma would return it, built from what was written.
 */
export async function insertCommand(pool: SqlPool, c: NewCommand): Promise<RuntimeCommand | null> {
  const input = JSON.stringify(c.input);
  const { rows } = await pool.query<{ created_at: Date; updated_at: Date }>(sql`
    INSERT INTO runtime_commands
           (id, idempotency_key, request_hash, agent_family, action, input, policy_profile, trace_id, workflow_id, status, shadow,
            replay_of_command_id, owner_tenant, submitted_by, updated_at)
    VALUES (${c.id}, ${c.idempotencyKey}, ${c.requestHash}, ${c.agentFamily}, ${c.action}, ${input}::jsonb, ${c.policyProfile}, ${c.traceId},
            ${c.workflowId}, 'accepted', ${c.shadow}, ${c.replayOfCommandId}, ${c.ownerTenant}, ${c.submittedBy}, now())
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING created_at, updated_at`);
  const [written] = rows;
  if (!written) return null;
  return {
    ...c,
    input: JSON.parse(input) as Prisma.JsonObject,
    status: 'accepted',
    result: null,
    errorClass: null,
    errorMessage: null,
    attemptCount: 0,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: new Prisma.Decimal(0),
    createdAt: written.created_at,
    updatedAt: written.updated_at,
    completedAt: null,
    workflowStartedAt: null,
  };
}
