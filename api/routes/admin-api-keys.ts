import { Router } from 'express';
import { z } from 'zod';
import type { ApiKeyStore, ApiKeyRow } from '../../persistence/api-keys';
import type { PrismaClient } from '../../persistence/prisma-client';
import { ROLES } from '../../runtime/auth/principal';
import { adminContext, type AdminContext } from '../admin/actor';
import { ApiError, invalidRequest, parseOrReject } from '../errors';

export const apiKeyCreateBodySchema = z
  .strictObject({
    name: z.string().regex(/^[\x20-\x7e]{1,100}$/, { error: 'expected 1-100 printable ASCII characters' }),
    role: z.enum(ROLES),
    tenantId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).optional(),
  })
  .refine((b) => b.role !== 'client' || b.tenantId !== undefined, { path: ['tenantId'], error: 'a client key needs a tenantId' });
export const apiKeyIdSchema = z.string().regex(/^[0-9a-f]{12}$/, { error: 'expected the 12 hex characters after sik_' });

function keyView(row: ApiKeyRow) {
  return { keyId: row.id, name: row.name, role: row.role, tenantId: row.tenantId, createdBy: row.createdBy, createdAt: row.createdAt.toISOString(), revokedAt: row.revokedAt?.toISOString() ?? null };
}

/** Service API keys for machine clients: create (the key is in this answer only), list, revoke. */
export function adminApiKeyRoutes(deps: { prisma: PrismaClient; apiKeys: ApiKeyStore }): Router {
  const router = Router();
  const audit = (ctx: AdminContext, action: string, keyId: string, details: Record<string, unknown>) =>
    deps.prisma.runtimeAdminAudit.create({ data: { actor: ctx.actor, action, targetType: 'api_key', targetId: keyId, traceId: ctx.traceId, outcome: 'completed', details: details as never } });

  router.get('/admin/runtime/api-keys', async (_req, res) => {
    res.json({ items: (await deps.apiKeys.list()).map(keyView) });
  });

  router.post('/admin/runtime/api-keys', async (req, res) => {
    const body = parseOrReject(apiKeyCreateBodySchema, req.body);
    const ctx = adminContext(req);
    const { key, row } = await deps.apiKeys.create({ ...body, createdBy: ctx.actor });
    await audit(ctx, 'api_key.create', row.id, { name: row.name, role: row.role, tenantId: row.tenantId });
    res.status(201).json({ ...keyView(row), key });
  });

  router.post('/admin/runtime/api-keys/:keyId/revoke', async (req, res) => {
    const id = apiKeyIdSchema.safeParse(req.params.keyId);
    if (!id.success) throw invalidRequest([{ path: 'keyId', code: 'invalid_format', message: id.error.issues[0]!.message }]);
    const ctx = adminContext(req);
    // Revoking twice is the same outcome: answered alike, audited once.
    if (await deps.apiKeys.revoke(id.data)) await audit(ctx, 'api_key.revoke', id.data, {});
    const row = await deps.apiKeys.get(id.data);
    if (!row) throw new ApiError(404, 'not_found', `No API key ${id.data}`);
    res.json(keyView(row));
  });

  return router;
}
