import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../persistence/prisma-client';
import { AGENT_FAMILY_NAMES } from '../../runtime/agents/registry';
import { FAILURE_CLASSES } from '../../runtime/failures';
import { adminContext, requireReplayEnabled } from '../admin/actor';
import { attemptView } from '../command-view';
import type { DeadLetterService } from '../dead-letter-service';
import { invalidRequest, parseOrReject } from '../errors';

const usd = (d: { toString(): string }) => Number(d.toString());

const filterSchema = z.strictObject({
  status: z.enum(['parked', 'replaying', 'replayed', 'discarded', 'expired']).optional(),
  agentFamily: z.enum(AGENT_FAMILY_NAMES).optional(),
  errorClass: z.enum(FAILURE_CLASSES).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
export const deadLetterListQuerySchema = filterSchema.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export const deadLetterReplayBodySchema = z.strictObject({
  replayId: z.string().regex(/^[\x21-\x7e]{1,200}$/).optional(),
  reason: z.string().min(1).max(2000),
  inputPatch: z.record(z.string(), z.unknown()).optional(),
});
export const deadLetterDiscardBodySchema = z.strictObject({ reason: z.string().min(1).max(2000) });
export const deadLetterBulkReplayBodySchema = z.strictObject({
  filter: filterSchema.omit({ status: true }).default({}),
  reason: z.string().min(1).max(2000),
  limit: z.number().int().min(1).max(500).default(100),
});

const parse = parseOrReject;

const commandIdParam = z.uuid();

function deadLetterView(dl: Awaited<ReturnType<DeadLetterService['get']>>) {
  return {
    commandId: dl.commandId,
    workflowId: dl.workflowId,
    status: dl.status,
    agentFamily: dl.agentFamily,
    action: dl.action,
    policyProfile: dl.policyProfile,
    errorClass: dl.errorClass,
    errorMessage: dl.errorMessage,
    attempts: dl.attempts,
    costUsd: usd(dl.costUsd),
    replayCount: dl.replayCount,
    lastReplayId: dl.lastReplayId,
    replayableUntil: dl.replayableUntil.toISOString(),
    traceId: dl.traceId,
    createdAt: dl.createdAt.toISOString(),
    resolvedAt: dl.resolvedAt?.toISOString() ?? null,
    resolvedBy: dl.resolvedBy,
    resolutionNote: dl.resolutionNote,
  };
}

/** Admin API for dead letters: list, show, replay (one, bulk), discard. */
export function adminDeadLetterRoutes(deps: { prisma: PrismaClient; deadLetters: DeadLetterService; replayEnabled: () => boolean }): Router {
  const router = Router();
  const mutate = [requireReplayEnabled(deps.replayEnabled)];
  const ctx = adminContext;
  const idOf = (raw: unknown) => parse(commandIdParam, raw, ['commandId']);

  router.get('/admin/runtime/dead-letters', async (req, res) => {
    const q = parse(deadLetterListQuerySchema, req.query);
    // Keyset paging on (created_at, id): stable while new dead letters arrive.
    let after: { createdAt: Date; id: string } | undefined;
    if (q.cursor) {
      const [ts, id] = Buffer.from(q.cursor, 'base64url').toString().split('|');
      const createdAt = new Date(ts ?? '');
      if (!id || Number.isNaN(createdAt.getTime())) throw invalidRequest([{ path: 'cursor', code: 'invalid_cursor', message: 'not a cursor this API returned' }]);
      after = { createdAt, id };
    }
    const rows = await deps.prisma.runtimeDeadLetter.findMany({
      where: {
        ...deps.deadLetters.where(q),
        ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(deadLetterView),
      nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url') : null,
    });
  });

  router.get('/admin/runtime/dead-letters/:commandId', async (req, res) => {
    const dl = await deps.deadLetters.get(idOf(req.params.commandId));
    const [attempts, audit] = await Promise.all([
      deps.prisma.runtimeCommandAttempt.findMany({ where: { commandId: dl.commandId }, orderBy: { attemptNumber: 'asc' } }),
      deps.prisma.runtimeAdminAudit.findMany({ where: { targetType: 'command', targetId: dl.commandId }, orderBy: { createdAt: 'asc' } }),
    ]);
    res.json({
      ...deadLetterView(dl),
      attemptHistory: attempts.map(attemptView),
      audit: audit.map((a) => ({ actor: a.actor, action: a.action, outcome: a.outcome, traceId: a.traceId, details: a.details, at: a.createdAt.toISOString() })),
    });
  });

  router.post('/admin/runtime/dead-letters/replay', ...mutate, async (req, res) => {
    const body = parse(deadLetterBulkReplayBodySchema, req.body);
    res.status(202).json(await deps.deadLetters.bulkReplay(body.filter, body.reason, body.limit, ctx(req)));
  });

  router.get('/admin/runtime/replay-jobs/:jobId', async (req, res) => {
    res.json(await deps.deadLetters.job(parse(z.uuid(), req.params.jobId, ['jobId'])));
  });

  router.post('/admin/runtime/dead-letters/:commandId/replay', ...mutate, async (req, res) => {
    const id = idOf(req.params.commandId);
    const body = parse(deadLetterReplayBodySchema, req.body);
    const outcome = await deps.deadLetters.replay(id, body, ctx(req));
    res.status(outcome.outcome === 'duplicate' ? 200 : 202).json(outcome);
  });

  router.post('/admin/runtime/dead-letters/:commandId/discard', ...mutate, async (req, res) => {
    const id = idOf(req.params.commandId);
    const body = parse(deadLetterDiscardBodySchema, req.body);
    const dl = await deps.deadLetters.discard(id, body.reason, ctx(req));
    res.status(202).json({ commandId: dl.commandId, outcome: 'signalled' });
  });

  return router;
}
