import type { Registry } from 'prom-client';
import type { RuntimeConfig } from '../../runtime/config/schema';
import type { Logger } from '../logger';
import { createRedis } from '../redis';
import { RedisEventPublisher } from './redis-event-publisher';
import { RedisEventReader, type EventReader } from './redis-event-reader';

/** A fact published twice within this window is published once. Longer than any activity retry chain (long_running: 6 h schedule-to-close); one small key per event. */
export const EVENT_DEDUPE_TTL_SECONDS = 24 * 3600;

type EventConfig = Pick<RuntimeConfig, 'REDIS_URL' | 'REDIS_KEY_PREFIX' | 'RUNTIME_EVENT_STREAM_MAX_LENGTH' | 'RUNTIME_EVENT_BUFFER_LIMIT'>;

/** The process's publisher, on a connection of its own (close() flushes what it can, then disconnects). */
export function createEventPublisher(config: EventConfig, logger: Logger, registry?: Registry): RedisEventPublisher {
  return new RedisEventPublisher(
    createRedis(config.REDIS_URL, logger, 'events-publisher'),
    {
      prefix: config.REDIS_KEY_PREFIX,
      maxLength: config.RUNTIME_EVENT_STREAM_MAX_LENGTH,
      dedupeTtlSeconds: EVENT_DEDUPE_TTL_SECONDS,
      bufferLimit: config.RUNTIME_EVENT_BUFFER_LIMIT,
    },
    logger,
    registry,
  );
}

/** Each SSE client reads on a connection of its own: XREAD BLOCK holds it. */
export function eventReaderFactory(config: Pick<RuntimeConfig, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>, logger: Logger): () => EventReader {
  return () => new RedisEventReader(createRedis(config.REDIS_URL, logger, 'events-reader', { blocking: true }), config.REDIS_KEY_PREFIX);
}
