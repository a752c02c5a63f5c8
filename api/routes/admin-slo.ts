import { Router } from 'express';
import { z } from 'zod';
import { fieldProblems, invalidRequest } from '../errors';
import type { SloService } from '../slo/slo-service';

export const sloQuerySchema = z.strictObject({
  /** Look-back window; one minute to 30 days. */
  windowMinutes: z.coerce.number().int().min(1).max(43_200).default(1_440),
});

/** GET /admin/runtime/slo: reliability, trace coverage, dead-letter MTTR and every alert rule's state over a window. */
export function adminSloRoutes(deps: { slo: SloService }): Router {
  const router = Router();
  router.get('/admin/runtime/slo', async (req, res) => {
    const query = sloQuerySchema.safeParse(req.query);
    if (!query.success) throw invalidRequest(fieldProblems(query.error, ['query']));
    res.json(await deps.slo.evaluate(query.data.windowMinutes * 60_000));
  });
  return router;
}
