import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { EventToPublish } from '../../runtime/events';
import type { Logger } from '../logger';
import { counter, gauge } from '../metrics';
import { eventStreamKeys, type EventStreamSettings } from './stream-keys';

export interface EventPublisher {
  /** Resolves once the event is in the stream or buffered; never rejects: events never fail a command. */
  publish(event: EventToPublish): Promise<void>;
  close(): Promise<void>;
}

// XADD only if the fact's dedupe key is new, atomically: a retried activity whose first XADD
// succeeded but whose reply was lost publishes nothing the second time.
const PUBLISH_ONCE_LUA = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'type', ARGV[3], 'event', ARGV[4])
end
return false`;

type PublishOnce = (stream: string, seen: string, ttlS: number, maxLen: number, type: string, json: string) => Promise<string | null>;

/**
 * Lifecycle events into a bounded Redis stream, on a connection the publisher owns. While Redis is unreachable, events wait in a
 * bounded in-memory FIFO and go out in order when it returns; when the buffer is full the oldest
 * is dropped. Both are visible: a log line when buffering starts and ends, and the metrics
 * si_events_buffered and si_events_dropped_total.
 */
export class RedisEventPublisher implements EventPublisher {
  private readonly pending: EventToPublish[] = [];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private degradedSince: number | undefined;
  private readonly keys;
  private readonly metrics;
  private readonly publishOnce: PublishOnce;

  constructor(
    private readonly redis: Redis,
    private readonly settings: EventStreamSettings & { bufferLimit: number },
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.keys = eventStreamKeys(settings.prefix);
    if (!('siPublishOnce' in redis)) redis.defineCommand('siPublishOnce', { numberOfKeys: 2, lua: PUBLISH_ONCE_LUA });
    this.publishOnce = (redis as unknown as { siPublishOnce: PublishOnce }).siPublishOnce.bind(redis);
    this.metrics = registry && {
      published: counter(registry, 'si_events_published_total', 'Lifecycle events written to the Redis stream', ['type']),
      duplicates: counter(registry, 'si_events_duplicates_total', 'Events not written again because their fact was already published'),
      buffered: gauge(registry, 'si_events_buffered', 'Events waiting in memory for Redis'),
      dropped: counter(registry, 'si_events_dropped_total', 'Events dropped because the buffer was full while Redis was away'),
    };
    redis.on('ready', () => void this.drain());
  }

  publish(item: EventToPublish): Promise<void> {
    if (this.pending.length >= this.settings.bufferLimit) {
      const dropped = this.pending.shift()!;
      this.metrics?.dropped.inc();
      this.logger.warn('event dropped: buffer full while Redis is unavailable', {
        commandId: dropped.event.commandId,
        workflowId: dropped.event.workflowId,
        traceId: dropped.event.traceId,
        eventType: dropped.event.type,
        bufferLimit: this.settings.bufferLimit,
      });
    }
    this.pending.push(item);
    this.metrics?.buffered.set(this.pending.length);
    return this.drain();
  }

  private drain(): Promise<void> {
    this.draining ??= this.drainPending().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainPending(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      try {
        const id = await this.publishOnce(
          this.keys.stream,
          this.keys.seen(next.dedupeKey),
          this.settings.dedupeTtlSeconds,
          this.settings.maxLength,
          next.event.type,
          JSON.stringify(next.event),
        );
        if (id) this.metrics?.published.inc({ type: next.event.type });
        else this.metrics?.duplicates.inc();
      } catch (err) {
        this.enterDegraded(err);
        return;
      }
      this.pending.shift();
      this.metrics?.buffered.set(this.pending.length);
    }
    if (this.degradedSince !== undefined) {
      this.logger.info('event publishing resumed', { bufferedForMs: Date.now() - this.degradedSince });
      this.degradedSince = undefined;
    }
  }

  private enterDegraded(err: unknown): void {
    if (this.degradedSince === undefined) {
      this.degradedSince = Date.now();
      this.logger.warn('events buffered: Redis unavailable', { buffered: this.pending.length, error: err instanceof Error ? err.message : String(err) });
    }
    // 'ready' also triggers a drain; the timer covers a Redis that answers but refuses writes.
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, 1_000);
    this.retryTimer.unref();
  }

  /** Waits briefly for buffered events to go out, then disconnects; what is still buffered is logged. */
  async close(): Promise<void> {
    if (this.pending.length > 0) await Promise.race([this.drain(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pending.length > 0) this.logger.warn('events not published at shutdown', { count: this.pending.length });
    this.redis.disconnect();
  }
}
