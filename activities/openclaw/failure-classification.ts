import type { FailureClass } from '../../runtime/failures';
import { GatewayError } from './gateway-client';

export interface ClassifiedFailure {
  errorClass: FailureClass;
  message: string;
  retryAfterMs?: number;
}

/*
 * The gateway reports provider failures as human text, not codes (see openclaw.md). These patterns
 * were checked against openclaw 2026.9.6; the compatibility suite pins them so an upgrade that
 * rewords them fails loudly instead of silently re-classing failures.
 */
const RUN_FAILURE_PATTERNS: readonly [RegExp, FailureClass][] = [
  [/HTTP 429|rate.?limit/i, 'rate_limited'],
  [/HTTP 40[13]|authentication failed|temporarily disabled after a provider auth/i, 'auth'],
  [/HTTP 5\d\d|overloaded|unavailable|ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i, 'provider_unavailable'],
  [/timed? ?out/i, 'timeout'],
  [/HTTP 400|context length|invalid request|provider rejected the request/i, 'invalid_input'],
];

export function classifyGatewayFailure(err: unknown): ClassifiedFailure {
  if (!(err instanceof GatewayError)) {
    return { errorClass: 'internal', message: err instanceof Error ? err.message : String(err) };
  }
  const message = err.message;
  switch (err.kind) {
    case 'unavailable':
    case 'connection':
      return { errorClass: 'transient', message, retryAfterMs: err.retryAfterMs };
    case 'auth':
      return { errorClass: 'auth', message };
    case 'timeout':
      return { errorClass: 'timeout', message };
    case 'protocol':
      return { errorClass: 'internal', message };
    case 'run_failed': {
      const text = err.gatewayMessage ?? message;
      const match = RUN_FAILURE_PATTERNS.find(([re]) => re.test(text));
      return { errorClass: match ? match[1] : 'transient', message, retryAfterMs: err.retryAfterMs };
    }
  }
}
