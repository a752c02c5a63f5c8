import type { PrismaClient } from '../../persistence/prisma-client';
import { AGENT_FAMILIES } from '../../runtime/agents/registry';
import type { SloSnapshot } from '../../runtime/slo';

type Counts = Record<string, bigint | number | string | null>;

const n = (v: bigint | number | string | null | undefined) => Number(v ?? 0);

/**
 * Reads one window's counts off the projections (definitions: README, Service levels and alerts).
 * Each query is bounded by the window on an indexed time column.
 */
export async function readSloSnapshot(prisma: PrismaClient, since: Date, until: Date, backlog: number | null): Promise<Omit<SloSnapshot, 'windowMs'> & { windowMs: number }> {
  const [commands] = await prisma.$queryRaw<Counts[]>`
    SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status IN ('failed', 'cancelled')) AS failed,
           count(*) FILTER (WHERE status = 'dead_lettered') AS dead_lettered
      FROM runtime_commands WHERE created_at >= ${since} AND created_at < ${until}`;
  const [trace] = await prisma.$queryRaw<Counts[]>`
    SELECT (SELECT count(*) FROM runtime_commands WHERE created_at >= ${since} AND created_at < ${until})
         + (SELECT count(*) FROM runtime_command_attempts WHERE started_at >= ${since} AND started_at < ${until})
         + (SELECT count(*) FROM agent_execution_logs WHERE created_at >= ${since} AND created_at < ${until}) AS rows,
           (SELECT count(*) FROM runtime_commands WHERE created_at >= ${since} AND created_at < ${until} AND trace_id <> '')
         + (SELECT count(*) FROM runtime_command_attempts WHERE started_at >= ${since} AND started_at < ${until} AND trace_id <> '')
         + (SELECT count(*) FROM agent_execution_logs WHERE created_at >= ${since} AND created_at < ${until} AND coalesce(trace_id, '') <> '') AS with_trace`;
  const [deadLetters] = await prisma.$queryRaw<Counts[]>`
    SELECT (SELECT count(*) FROM runtime_dead_letters WHERE created_at >= ${since} AND created_at < ${until}) AS parked,
           count(*) AS resolved,
           coalesce(sum(extract(epoch FROM (resolved_at - created_at)) * 1000), 0) AS resolve_ms
      FROM runtime_dead_letters
     WHERE status IN ('replayed', 'discarded') AND resolved_at >= ${since} AND resolved_at < ${until}`;
  // A replay still 'accepted' whose dead letter is parked again ran and failed again.
  const [replays] = await prisma.$queryRaw<Counts[]>`
    SELECT count(*) AS accepted,
           count(*) FILTER (WHERE a.outcome = 'accepted' AND d.status = 'parked') AS failed_again
      FROM runtime_admin_audit a JOIN runtime_dead_letters d ON d.command_id = a.target_id
     WHERE a.action = 'dead_letter.replay' AND a.outcome IN ('accepted', 'completed') AND a.created_at >= ${since} AND a.created_at < ${until}`;
  const attempts = await prisma.$queryRaw<(Counts & { agent_family: string; provider: string | null; model: string | null })[]>`
    SELECT c.agent_family, a.provider, a.model,
           count(*) AS total,
           count(*) FILTER (WHERE a.error_class = 'budget_exceeded') AS budget_exceeded,
           coalesce(sum(a.cost_usd), 0) AS cost,
           coalesce(sum(a.cost_usd) FILTER (WHERE a.attempt_number > 1), 0) AS retry_cost
      FROM runtime_command_attempts a JOIN runtime_commands c ON c.id = a.command_id
     WHERE a.started_at >= ${since} AND a.started_at < ${until}
     GROUP BY c.agent_family, a.provider, a.model`;

  // A pipeline's steps run other families' models, so "fallback" means a model that is no family's
  // primary. An attempt without a provider never reached a model: not a fallback.
  const primaries = new Set(Object.values(AGENT_FAMILIES).map((f) => f.defaultModels.primary));
  let onFallbackModel = 0;
  for (const row of attempts) {
    if (row.provider !== null && !primaries.has(`${row.provider}/${row.model}`)) onFallbackModel += n(row.total);
  }
  return {
    windowMs: until.getTime() - since.getTime(),
    commands: { succeeded: n(commands?.succeeded), failed: n(commands?.failed), deadLettered: n(commands?.dead_lettered) },
    trace: { rows: n(trace?.rows), withTraceId: n(trace?.with_trace) },
    deadLetters: { parkedInWindow: n(deadLetters?.parked), resolved: n(deadLetters?.resolved), resolveMsTotal: n(deadLetters?.resolve_ms) },
    replays: { accepted: n(replays?.accepted), failedAgain: n(replays?.failed_again) },
    attempts: {
      total: attempts.reduce((a, r) => a + n(r.total), 0),
      onFallbackModel,
      budgetExceeded: attempts.reduce((a, r) => a + n(r.budget_exceeded), 0),
    },
    cost: { totalUsd: attempts.reduce((a, r) => a + n(r.cost), 0), retryUsd: attempts.reduce((a, r) => a + n(r.retry_cost), 0) },
    backlog,
  };
}
