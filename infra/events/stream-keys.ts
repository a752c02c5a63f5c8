/** Where the lifecycle events live in Redis, and how long. */
export interface EventStreamSettings {
  /** REDIS_KEY_PREFIX */
  prefix: string;
  /** Approximate cap on the stream's length (XADD MAXLEN ~): the retention, in events. */
  maxLength: number;
  /** How long a published fact's dedupe key is kept: a repeat within it publishes nothing. */
  dedupeTtlSeconds: number;
}

export function eventStreamKeys(prefix: string) {
  return {
    stream: `${prefix}events`,
    seen: (dedupeKey: string) => `${prefix}events:seen:${dedupeKey}`,
  };
}
