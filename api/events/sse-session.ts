import type { Response } from 'express';
import type { EventReader } from '../../infra/events/redis-event-reader';
import type { Logger } from '../../infra/logger';
import { matchesFilter, type EventFilter } from '../../runtime/events';
import { ApiError } from '../errors';

export interface SseSettings {
  /** A comment line at least this often, so proxies and clients know the stream is alive. */
  heartbeatMs: number;
  /** A client that has not taken what was written within this long is disconnected (it resumes with Last-Event-ID). */
  stallTimeoutMs: number;
  /** Events read from Redis per round trip: with back-pressure, the most one client ever has in memory. */
  batchSize: number;
}

export type SseEnd = 'client_closed' | 'stalled' | 'server_closing';

/**
 * One SSE client. Back-pressure is structural: the session reads the next batch from Redis only
 * after the socket took the previous one, so a client that never reads holds at most one batch
 * plus the socket buffer, and is cut off after stallTimeoutMs.
 */
export async function runSseSession(opts: {
  res: Response;
  reader: EventReader;
  filter: EventFilter;
  afterId: string | undefined;
  settings: SseSettings;
  logger: Logger;
  isClosing: () => boolean;
}): Promise<SseEnd> {
  const { res, reader, filter, settings } = opts;
  let closed = false;
  res.once('close', () => {
    closed = true;
    reader.close();
  });
  // "From now on" is fixed before the client gets its 200, so nothing published after that is missed.
  let cursor: string;
  try {
    cursor = opts.afterId ?? (await reader.tailId());
  } catch (err) {
    reader.close();
    throw new ApiError(503, 'events_unavailable', `The event stream cannot be read right now: ${err instanceof Error ? err.message : String(err)}`, {}, { 'Retry-After': '2' });
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 2000\n\n`);

  let lastWrite = Date.now();
  let redisDown = false;
  try {
    while (!closed && !opts.isClosing()) {
      let batch;
      try {
        batch = await reader.read(cursor, settings.heartbeatMs, settings.batchSize);
        redisDown = false;
      } catch (err) {
        if (closed) break;
        // Redis away: keep the client, say so once, try again; events resume from the cursor.
        if (!redisDown) res.write(`: events unavailable (${err instanceof Error ? err.message : 'redis'}), retrying\n\n`);
        redisDown = true;
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      cursor = batch.lastId;
      for (const { id, event } of batch.events) {
        if (!matchesFilter(event, filter)) continue;
        const frame = `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify({ id, ...event })}\n\n`;
        lastWrite = Date.now();
        if (!res.write(frame) && !(await drained(res, settings.stallTimeoutMs))) {
          if (!closed) res.destroy();
          return 'stalled';
        }
      }
      if (Date.now() - lastWrite >= settings.heartbeatMs) {
        lastWrite = Date.now();
        res.write(`: heartbeat\n\n`);
      }
    }
  } finally {
    reader.close();
    if (!closed) res.end();
  }
  return closed ? 'client_closed' : 'server_closing';
}

function drained(res: Response, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
