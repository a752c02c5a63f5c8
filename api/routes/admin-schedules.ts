import { Router } from 'express';
import { z } from 'zod';
import { OVERLAP_POLICIES } from '../../schedules/desired';
import { adminContext } from '../admin/actor';
import { invalidRequest, parseOrReject } from '../errors';
import type { ScheduleService } from '../schedule-service';

const noteSchema = z.string().min(1).max(500);
export const schedulePauseBodySchema = z.strictObject({ note: noteSchema });
export const scheduleTriggerBodySchema = z.strictObject({ overlap: z.enum(OVERLAP_POLICIES).optional() });
export const scheduleBackfillBodySchema = z.strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }), overlap: z.enum(OVERLAP_POLICIES).optional() });
export const scheduleSyncQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') });
export const scheduleNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/);

/** Longest window one backfill may cover: a mistyped year must not start thousands of runs. */
const MAX_BACKFILL_MS = 31 * 24 * 3600 * 1000;

/** Temporal Schedules as admins operate them: list, sync, pause/unpause with a note, trigger, backfill. */
export function adminScheduleRoutes(deps: { schedules: ScheduleService }): Router {
  const router = Router();
  const name = (raw: unknown) => parseOrReject(scheduleNameSchema, raw, ['name']);

  router.get('/admin/runtime/schedules', async (_req, res) => {
    res.json({ items: await deps.schedules.list() });
  });

  router.get('/admin/runtime/schedules/:name', async (req, res) => {
    res.json(await deps.schedules.get(name(req.params.name)));
  });

  router.post('/admin/runtime/schedules/sync', async (req, res) => {
    const q = parseOrReject(scheduleSyncQuerySchema, req.query);
    res.json(await deps.schedules.sync(q.dryRun === 'true', adminContext(req)));
  });

  router.post('/admin/runtime/schedules/:name/pause', async (req, res) => {
    const body = parseOrReject(schedulePauseBodySchema, req.body);
    res.json(await deps.schedules.pause(name(req.params.name), body.note, adminContext(req)));
  });

  router.post('/admin/runtime/schedules/:name/unpause', async (req, res) => {
    const body = parseOrReject(schedulePauseBodySchema, req.body);
    res.json(await deps.schedules.unpause(name(req.params.name), body.note, adminContext(req)));
  });

  router.post('/admin/runtime/schedules/:name/trigger', async (req, res) => {
    const body = parseOrReject(scheduleTriggerBodySchema, req.body);
    const n = name(req.params.name);
    await deps.schedules.trigger(n, body.overlap, adminContext(req));
    res.status(202).json({ name: n, triggered: true });
  });

  router.post('/admin/runtime/schedules/:name/backfill', async (req, res) => {
    const body = parseOrReject(scheduleBackfillBodySchema, req.body);
    const start = new Date(body.start);
    const end = new Date(body.end);
    if (end <= start || end.getTime() - start.getTime() > MAX_BACKFILL_MS) {
      throw invalidRequest([{ path: 'end', code: 'invalid_window', message: 'end must be after start, at most 31 days later' }]);
    }
    const n = name(req.params.name);
    await deps.schedules.backfill(n, { start, end, ...(body.overlap ? { overlap: body.overlap } : {}) }, adminContext(req));
    res.status(202).json({ name: n, start: start.toISOString(), end: end.toISOString() });
  });

  return router;
}
