import { canonicalJson } from '../runtime/canonical-json';
import type { ExecutionResult } from '../shadow/parity';
import { Prisma, type AgentExecutionLog, type PrismaClient } from './prisma-client';

/**
 * Results of the legacy V1 executor, kept in agent_execution_logs with source='legacy' (the V1
 * executor writes the same rows itself; the ingest endpoint writes them for callers who cannot).
 * Their correlation_key is the idempotency key the command was submitted under, which is how the
 * shadow comparison finds the runtime command that ran the same request (runtime_commands
 * .idempotency_key, unique), whose own log row is keyed by command id.
 */
export const LEGACY_SOURCE = 'legacy';

/** What the comparator reads of it, plus what the legacy executor reported besides. */
export interface LegacyResult extends ExecutionResult {
  correlationKey: string;
  tokensIn: number | null;
  tokensOut: number | null;
  errorClass: string | null;
  errorMessage: string | null;
  traceId: string | null;
  finishedAt: Date;
}

export type IngestOutcome = 'created' | 'unchanged';

/** A correlation key already holds a different result: results are immutable once recorded. */
export class LegacyResultConflictError extends Error {
  constructor(readonly conflicts: readonly { correlationKey: string; fields: string[] }[]) {
    super(`Legacy results already recorded with different content: ${conflicts.map((c) => `${c.correlationKey} (${c.fields.join(', ')})`).join('; ')}`);
  }
}

// cost_usd is numeric(14,6): compare what the column can hold, not the float that was posted.
const usd6 = (n: number | null) => (n === null ? null : Math.round(n * 1e6) / 1e6);

/** The fields that make up a result's content, in the form both sides of a comparison share. */
function contentOf(r: LegacyResult): Record<string, string> {
  const fields: Record<string, unknown> = {
    agentFamily: r.agentFamily,
    action: r.action,
    status: r.status,
    output: r.output ?? null,
    latencyMs: r.latencyMs,
    costUsd: usd6(r.costUsd),
    tokensIn: r.tokensIn,
    tokensOut: r.tokensOut,
    errorClass: r.errorClass,
    errorMessage: r.errorMessage,
    traceId: r.traceId,
    finishedAt: r.finishedAt.getTime(),
  };
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, canonicalJson(v)]));
}

/** Names of the fields in which two results differ; empty when they are the same result. */
export function differingFields(a: LegacyResult, b: LegacyResult): string[] {
  const ca = contentOf(a);
  const cb = contentOf(b);
  return Object.keys(ca).filter((k) => ca[k] !== cb[k]);
}

export function legacyResultFromRow(row: AgentExecutionLog): LegacyResult {
  return {
    correlationKey: row.correlationKey,
    agentFamily: row.agentFamily,
    action: row.action,
    status: row.status,
    output: row.output ?? null,
    latencyMs: row.durationMs,
    costUsd: row.costUsd === null ? null : Number(row.costUsd.toString()),
    tokensIn: row.tokensIn,
    tokensOut: row.tokensOut,
    errorClass: row.errorClass,
    errorMessage: row.errorMessage,
    traceId: row.traceId,
    // The row's created_at is when the legacy execution finished (that is what it is set to here).
    finishedAt: row.createdAt,
  };
}

function rowOf(r: LegacyResult): Prisma.AgentExecutionLogCreateManyInput {
  return {
    source: LEGACY_SOURCE,
    correlationKey: r.correlationKey,
    commandId: null,
    agentFamily: r.agentFamily,
    action: r.action,
    status: r.status,
    traceId: r.traceId,
    output: r.output === null || r.output === undefined ? undefined : (r.output as Prisma.InputJsonValue),
    errorClass: r.errorClass,
    errorMessage: r.errorMessage,
    tokensIn: r.tokensIn,
    tokensOut: r.tokensOut,
    costUsd: r.costUsd,
    durationMs: r.latencyMs,
    shadow: false,
    createdAt: r.finishedAt,
  };
}

export class LegacyResultStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Records results idempotently: a key seen before with the same content is `unchanged`; with
   * different content the whole batch is refused (LegacyResultConflictError) and nothing is
   * written, so a caller never has to work out which half of a batch landed.
   */
  async ingest(results: readonly LegacyResult[]): Promise<{ correlationKey: string; outcome: IngestOutcome }[]> {
    return this.prisma.$transaction(async (tx) => {
      // ON CONFLICT DO NOTHING: a concurrent writer of the same key waits for our commit, or we for its.
      const created = await tx.agentExecutionLog.createManyAndReturn({ data: results.map(rowOf), skipDuplicates: true, select: { correlationKey: true } });
      const createdKeys = new Set(created.map((c) => c.correlationKey));
      const seen = results.filter((r) => !createdKeys.has(r.correlationKey));
      const existing = seen.length === 0 ? [] : await tx.agentExecutionLog.findMany({ where: { source: LEGACY_SOURCE, correlationKey: { in: seen.map((r) => r.correlationKey) } } });
      const byKey = new Map(existing.map((row) => [row.correlationKey, legacyResultFromRow(row)]));
      const conflicts = seen
        .map((r) => ({ correlationKey: r.correlationKey, fields: differingFields(byKey.get(r.correlationKey)!, r) }))
        .filter((c) => c.fields.length > 0);
      if (conflicts.length > 0) throw new LegacyResultConflictError(conflicts);
      return results.map((r) => ({ correlationKey: r.correlationKey, outcome: createdKeys.has(r.correlationKey) ? 'created' : 'unchanged' }));
    });
  }

  /** Legacy results that finished at or after `since` (optionally of one family). */
  async since(since: Date, agentFamily?: string): Promise<LegacyResult[]> {
    const rows = await this.prisma.agentExecutionLog.findMany({
      where: { source: LEGACY_SOURCE, createdAt: { gte: since }, ...(agentFamily ? { agentFamily } : {}) },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(legacyResultFromRow);
  }

  /** Legacy results by correlation key, whenever they finished (uses the (source, correlation_key) unique index). */
  async byKeys(keys: readonly string[]): Promise<LegacyResult[]> {
    if (keys.length === 0) return [];
    const rows = await this.prisma.agentExecutionLog.findMany({ where: { source: LEGACY_SOURCE, correlationKey: { in: [...keys] } } });
    return rows.map(legacyResultFromRow);
  }
}
