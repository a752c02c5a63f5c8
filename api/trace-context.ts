import { randomBytes } from 'node:crypto';

/** The W3C trace id (32 hex) of a validated traceparent, or a fresh one when the client sent none. */
export function traceIdFrom(traceparent: string | undefined): string {
  return traceparent ? traceparent.slice(3, 35) : randomBytes(16).toString('hex');
}
