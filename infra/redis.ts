import { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * A Redis connection that never holds the runtime up: commands fail fast while Redis is away
 * (no offline queue, a command timeout) and the connection keeps retrying in the background.
 * Callers decide what a failure means (the event publisher buffers; rate limits fail safe).
 */
export function createRedis(url: string, logger: Logger, name: string, opts: { blocking?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    // A blocking reader may queue its first command until connected; a writer never waits.
    enableOfflineQueue: opts.blocking === true,
    maxRetriesPerRequest: 1,
    // A blocking read (XREAD BLOCK) legitimately waits longer than any command timeout.
    ...(opts.blocking ? {} : { commandTimeout: 2_000 }),
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn('redis unavailable', { redis: name, error: err.message });
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reconnected', { redis: name });
    down = false;
  });
  return redis;
}
