import { Router, type Response } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { EventReader } from '../../infra/events/redis-event-reader';
import type { Logger } from '../../infra/logger';
import { counter, gauge } from '../../infra/metrics';
import { STREAM_ID_RE, eventFilterSchema } from '../../runtime/events';
import { ApiError, fieldProblems, invalidRequest } from '../errors';
import { runSseSession, type SseSettings } from '../events/sse-session';

export const eventsQuerySchema = eventFilterSchema.extend({
  /** Start after this stream id (`0` = from the oldest retained event); Last-Event-ID wins. */
  since: z.string().regex(STREAM_ID_RE, 'expected a stream id like 1764650000000-0, or 0').optional(),
});

export interface EventRoutesDeps {
  enabled: () => boolean;
  openReader: () => EventReader;
  settings: SseSettings;
  logger: Logger;
  metrics: Registry;
}

/**
 * GET /admin/runtime/events: lifecycle events over SSE, filtered by command, workflow, agent
 * family and event type. Reconnecting clients send Last-Event-ID (browsers do it by themselves)
 * and get everything after it that the stream still retains.
 */
export function adminEventRoutes(deps: EventRoutesDeps): Router & { closeAll(): void } {
  const router = Router() as Router & { closeAll(): void };
  const open = new Set<Response>();
  const clients = gauge(deps.metrics, 'si_sse_clients', 'Connected SSE event clients');
  gauge(deps.metrics, 'si_sse_buffered_bytes_max', 'Largest number of bytes written to one SSE client and not yet taken by it', [], function () {
    this.set(Math.max(0, ...[...open].map((r) => r.writableLength)));
  });
  const ended = counter(deps.metrics, 'si_sse_disconnects_total', 'SSE sessions ended, by reason', ['reason']);
  let closing = false;

  router.get('/admin/runtime/events', (req, res, next) => {
    if (!deps.enabled()) {
      next(new ApiError(503, 'sse_disabled', 'Event streaming is switched off (RUNTIME_EVENT_SSE_ENABLED=false)'));
      return;
    }
    const query = eventsQuerySchema.safeParse(req.query);
    if (!query.success) return next(invalidRequest(fieldProblems(query.error, ['query'])));
    const lastEventId = req.header('last-event-id');
    if (lastEventId !== undefined && !STREAM_ID_RE.test(lastEventId)) {
      return next(invalidRequest([{ path: 'header:Last-Event-ID', code: 'invalid_format', message: 'expected an event id this stream sent' }]));
    }
    const { since, ...filter } = query.data;
    open.add(res);
    clients.inc();
    runSseSession({
      res,
      reader: deps.openReader(),
      filter,
      afterId: lastEventId ?? since,
      settings: deps.settings,
      logger: deps.logger,
      isClosing: () => closing,
    })
      .then((reason) => ended.inc({ reason }))
      .catch((err) => {
        if (err instanceof ApiError && !res.headersSent) return next(err);
        ended.inc({ reason: 'error' });
        deps.logger.error('sse session failed', { error: err instanceof Error ? err.message : String(err) });
        res.destroy();
      })
      .finally(() => {
        open.delete(res);
        clients.dec();
      });
  });

  router.closeAll = () => {
    closing = true;
    for (const res of open) res.end();
  };
  return router;
}
