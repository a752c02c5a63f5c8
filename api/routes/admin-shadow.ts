import { Router } from 'express';
import { z } from 'zod';
import { LegacyResultConflictError, LegacyResultStore, type LegacyResult } from '../../persistence/legacy-results';
import type { PrismaClient } from '../../persistence/prisma-client';
import { AGENT_FAMILY_NAMES } from '../../runtime/agents/registry';
import { idempotencyKeySchema } from '../../runtime/command';
import { DEFAULT_PARITY_WINDOW_MS, parityReport } from '../../shadow/gate';
import { paritySettingsFrom } from '../../shadow/rules';
import { ApiError, invalidRequest, parseOrReject } from '../errors';

export const MAX_LEGACY_RESULTS_PER_REQUEST = 500;

const legacyResultSchema = z.strictObject({
  /** The Idempotency-Key the command was submitted to both executors under. */
  correlationKey: idempotencyKeySchema,
  agentFamily: z.enum(AGENT_FAMILY_NAMES),
  action: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected an action name like scan' }),
  status: z.enum(['succeeded', 'failed']),
  output: z.record(z.string(), z.unknown()).nullable().default(null),
  latencyMs: z.number().int().min(0).max(86_400_000).nullable().default(null),
  costUsd: z.number().min(0).max(100_000).nullable().default(null),
  tokensIn: z.number().int().min(0).max(2_000_000_000).nullable().default(null),
  tokensOut: z.number().int().min(0).max(2_000_000_000).nullable().default(null),
  errorClass: z.string().min(1).max(100).nullable().default(null),
  errorMessage: z.string().max(4000).nullable().default(null),
  traceId: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected 32 lowercase hex characters' }).nullable().default(null),
  finishedAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
});
const legacyResultListSchema = z.array(legacyResultSchema).min(1).max(MAX_LEGACY_RESULTS_PER_REQUEST);
/** One result or an array of them (as documented; the route parses each shape on its own for clearer errors). */
export const legacyResultsBodySchema = z.union([legacyResultSchema, legacyResultListSchema]);

export const parityQuerySchema = z.strictObject({
  agentFamily: z.enum(AGENT_FAMILY_NAMES).optional(),
  /** Start of the window (ISO 8601); default 24 hours ago. */
  since: z.coerce.date().optional(),
});

function parseResults(body: unknown): LegacyResult[] {
  const results = Array.isArray(body) ? parseOrReject(legacyResultListSchema, body) : [parseOrReject(legacyResultSchema, body)];
  // Two different results under one key in one request cannot both be the truth.
  const seen = new Map<string, number>();
  results.forEach((r, i) => {
    const first = seen.get(r.correlationKey);
    if (first !== undefined) throw invalidRequest([{ path: `${i}.correlationKey`, code: 'duplicate_key', message: `repeats item ${first}'s correlationKey` }]);
    seen.set(r.correlationKey, i);
  });
  return results;
}

/**
 * Shadow mode admin API: legacy results in (POST, idempotent per correlation key), the parity
 * report out (GET). The comparison rules come from configuration (RUNTIME_SHADOW_PARITY_*).
 */
export function adminShadowRoutes(deps: { prisma: PrismaClient; config: Parameters<typeof paritySettingsFrom>[0] }): Router {
  const router = Router();
  const settings = paritySettingsFrom(deps.config);
  const store = new LegacyResultStore(deps.prisma);

  router.post('/admin/runtime/shadow/legacy-results', async (req, res) => {
    const results = parseResults(req.body);
    try {
      const outcomes = await store.ingest(results);
      const created = outcomes.filter((o) => o.outcome === 'created').length;
      res.status(created > 0 ? 201 : 200).json({ created, unchanged: outcomes.length - created, results: outcomes });
    } catch (err) {
      if (err instanceof LegacyResultConflictError) {
        throw new ApiError(409, 'legacy_result_conflict', 'A correlationKey already holds a different legacy result; nothing in this request was recorded', { conflicts: err.conflicts });
      }
      throw err;
    }
  });

  router.get('/admin/runtime/shadow/parity', async (req, res) => {
    const q = parseOrReject(parityQuerySchema, req.query, ['query']);
    const since = q.since ?? new Date(Date.now() - DEFAULT_PARITY_WINDOW_MS);
    res.json(await parityReport(deps.prisma, settings, { since, ...(q.agentFamily ? { agentFamily: q.agentFamily } : {}) }));
  });
  return router;
}
