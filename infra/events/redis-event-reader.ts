import type { Redis } from 'ioredis';
import { runtimeEventSchema, type StoredEvent } from '../../runtime/events';
import { eventStreamKeys } from './stream-keys';

export interface EventBatch {
  events: StoredEvent[];
  lastId: string;
}

export interface EventReader {
  /** The id of the newest event, so "from now on" never misses one published between two reads. */
  tailId(): Promise<string>;
  /**
   * Events after `afterId`, oldest first, waiting up to blockMs for one. `lastId` is the cursor to
   * read on from (it also passes entries this version cannot read, so they never block a client).
   */
  read(afterId: string, blockMs: number, count: number): Promise<EventBatch>;
  close(): void;
}

/** Reads the lifecycle stream on a connection of its own (XREAD BLOCK holds the connection). */
export class RedisEventReader implements EventReader {
  private readonly stream: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.stream = eventStreamKeys(prefix).stream;
  }

  async tailId(): Promise<string> {
    const newest = await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    return newest[0]?.[0] ?? '0-0';
  }

  async read(afterId: string, blockMs: number, count: number): Promise<EventBatch> {
    const answer = await this.redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.stream, afterId);
    const entries = answer?.[0]?.[1] ?? [];
    const events: StoredEvent[] = [];
    for (const [id, fields] of entries) {
      const at = fields.indexOf('event');
      const json = at >= 0 ? fields[at + 1] : undefined;
      const parsed = json === undefined ? undefined : runtimeEventSchema.safeParse(safeJson(json));
      if (parsed?.success) events.push({ id, event: parsed.data });
    }
    return { events, lastId: entries.at(-1)?.[0] ?? afterId };
  }

  close(): void {
    this.redis.disconnect();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
