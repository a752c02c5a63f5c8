import { z } from 'zod';

/**
 * Lifecycle events: what admins watch over SSE. One event per fact, published once (the dedupe
 * key names the fact, so a retried activity or a repeated request publishes nothing new).
 * Pure contract: no I/O, so the API, the worker and tests share it.
 */
export const RUNTIME_EVENT_TYPES = [
  'command.accepted',
  'command.started',
  'attempt.started',
  'attempt.failed',
  'attempt.succeeded',
  'step.transition',
  'command.succeeded',
  'command.failed',
  'command.dead_lettered',
  'command.replayed',
  'command.discarded',
  'dead_letter.expired',
  'budget.breached',
  'schedule.fired',
  'alert.fired',
  'alert.resolved',
] as const;

export type RuntimeEventType = (typeof RUNTIME_EVENT_TYPES)[number];

export const runtimeEventSchema = z.object({
  type: z.enum(RUNTIME_EVENT_TYPES),
  /** Absent only on runtime-wide events (alerts). */
  commandId: z.string().optional(),
  workflowId: z.string().optional(),
  /** For runtime-wide events, the id of the evaluation that raised it. */
  traceId: z.string(),
  agentFamily: z.string().optional(),
  actor: z.string().optional(),
  /** ISO 8601, when the fact happened (publisher clock). */
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export type RuntimeEvent = z.infer<typeof runtimeEventSchema>;

/** An event as it is published: the fact plus the key that makes publishing it idempotent. */
export interface EventToPublish {
  event: RuntimeEvent;
  /** Names the fact, e.g. `<commandId>:attempt.failed:3`; the same key is published at most once. */
  dedupeKey: string;
}

/** An event as read back from the stream: its stream id is the SSE `id` and `Last-Event-ID`. */
export interface StoredEvent {
  id: string;
  event: RuntimeEvent;
}

/** What an SSE client may filter on; every given field must match. */
export const eventFilterSchema = z.strictObject({
  commandId: z.string().max(200).optional(),
  workflowId: z.string().max(300).optional(),
  agentFamily: z.string().max(100).optional(),
  type: z
    .string()
    .max(2000)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(RUNTIME_EVENT_TYPES)))
    .optional(),
});

export type EventFilter = z.infer<typeof eventFilterSchema>;

export function matchesFilter(event: RuntimeEvent, filter: EventFilter): boolean {
  return (
    (filter.commandId === undefined || event.commandId === filter.commandId) &&
    (filter.workflowId === undefined || event.workflowId === filter.workflowId) &&
    (filter.agentFamily === undefined || event.agentFamily === filter.agentFamily) &&
    (filter.type === undefined || filter.type.includes(event.type))
  );
}

/** Redis stream ids: `<ms>-<seq>`; `0` or `0-0` means the beginning. */
export const STREAM_ID_RE = /^\d{1,20}(-\d{1,20})?$/;
