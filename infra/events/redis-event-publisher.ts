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

/** An event waiting to go out, with the caller's promise to settle once it is written (or buffered). */
interface Queued {
  item: EventToPublish;
  settle: () => void;
}

/** Events sent in one pipeline (one write, one round trip) when several are waiting. */
const BATCH = 64;

/**
 * Lifecycle events into a bounded Redis stream, on a connection the publisher owns. Waiting events
 * go out in batches, one pipeline each, in order: under load every activity publishes, and one
 * round trip per event made each caller wait behind the whole queue. While Redis is unreachable,
 * events wait in a bounded in-memory FIFO and go out in order when it returns; when the buffer is
 * full the oldest is dropped. Both are visible: a log line when buffering starts and ends, and
 * the metrics si_events_buffered and si_events_dropped_total.
 */
export class RedisEventPublisher implements EventPublisher {
  private readonly pending: Queued[] = [];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private degradedSince: number | undefined;
  private readonly keys;
  private readonly metrics;

  constructor(
    private readonly redis: Redis,
    private readonly settings: EventStreamSettings & { bufferLimit: number },
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.keys = eventStreamKeys(settings.prefix);
    if (!('siPublishOnce' in redis)) redis.defineCommand('siPublishOnce', { numberOfKeys: 2, lua: PUBLISH_ONCE_LUA });
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
      dropped.settle();
      this.metrics?.dropped.inc();
      this.logger.warn('event dropped: buffer full while Redis is unavailable', {
        commandId: dropped.item.event.commandId,
        workflowId: dropped.item.event.workflowId,
        traceId: dropped.item.event.traceId,
        eventType: dropped.item.event.type,
        bufferLimit: this.settings.bufferLimit,
      });
    }
    const written = new Promise<void>((settle) => this.pending.push({ item, settle }));
    this.metrics?.buffered.set(this.pending.length);
    void this.drain();
    // While Redis is away the event is buffered now, which is all publish() promises.
    return this.degradedSince === undefined ? written : Promise.resolve();
  }

  private drain(): Promise<void> {
    this.draining ??= this.drainPending().finally(() => {
      this.draining = undefined;
      // A caller whose event went out may publish again before this drain has ended: its event
      // joined the queue behind a loop that had already finished, so it needs a drain of its own.
      if (this.pending.length > 0 && this.degradedSince === undefined) void this.drain();
    });
    return this.draining;
  }

  private async drainPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH);
      const pipeline = this.redis.pipeline();
      for (const { item } of batch) {
        (pipeline as unknown as { siPublishOnce(...args: unknown[]): void }).siPublishOnce(
          this.keys.stream,
          this.keys.seen(item.dedupeKey),
          this.settings.dedupeTtlSeconds,
          this.settings.maxLength,
          item.event.type,
          JSON.stringify(item.event),
        );
      }
      let results: [Error | null, unknown][];
      try {
        results = (await pipeline.exec()) ?? [];
      } catch (err) {
        this.buffered(err);
        return;
      }
      // Replies come in order; the first failed one and those after it stay for the next try.
      let sent = 0;
      for (const [err, id] of results) {
        if (err) break;
        if (id) this.metrics?.published.inc({ type: batch[sent]!.item.event.type });
        else this.metrics?.duplicates.inc();
        sent++;
      }
      // By identity: a full buffer may have dropped some of the batch from the front meanwhile.
      for (const done of batch.slice(0, sent)) {
        const at = this.pending.indexOf(done);
        if (at >= 0) this.pending.splice(at, 1);
        done.settle();
      }
      this.metrics?.buffered.set(this.pending.length);
      if (sent < batch.length) {
        this.buffered(results[sent]?.[0] ?? new Error('no reply from Redis'));
        return;
      }
    }
    if (this.degradedSince !== undefined) {
      this.logger.info('event publishing resumed', { bufferedForMs: Date.now() - this.degradedSince });
      this.degradedSince = undefined;
    }
  }

  /** Redis failed: what is waiting is buffered now, so every waiting caller has its answer. */
  private buffered(err: unknown): void {
    this.enterDegraded(err);
    for (const waiting of this.pending) waiting.settle();
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
