import type { FailureClass } from '../../runtime/failures';
import { NON_RETRYABLE_FAILURE_CLASSES } from '../../runtime/failures';
import { CLIENT_ERROR_CODES, GatewayError } from './gateway-client';

export interface ClassifiedFailure {
  errorClass: FailureClass;
  message: string;
  /** When the gateway or the provider said when to come back (Retry-After, UNAVAILABLE retryAfterMs, key cooldown). */
  retryAfterMs?: number;
  /** False for the classes no retry can fix (runtime/failures.ts NON_RETRYABLE_FAILURE_CLASSES). */
  retryable: boolean;
}

/*
 * The gateway reports provider failures as human text, not codes (agent.wait `error`, the final
 * `agent` answer's error message). The texts below are those of openclaw 2026.9.6 (its
 * dist/assistant-request-failure-copy-*.mjs renders most of them: "⚠️ <provider>/<model> request
 * failed (<reason>, HTTP <status>). ..."); test/gateway/failure-classes.test.ts pins every one
 * against the real gateway, so an upgrade that rewords them fails loudly instead of silently
 * re-classing failures. Order matters: the first match wins.
 */
const RUN_FAILURE_PATTERNS: readonly [RegExp, FailureClass][] = [
  // The gateway's own state store under contention (seen under CPU load): nothing wrong with the request.
  // Also a session still being recovered after a gateway restart: "Session \"…\" changed while
  // starting work. Retry. | SESSION_WORK_START_CHANGED".
  [/another OpenClaw process owns|state database was (?:busy|locked)|SQLITE_BUSY|SQLITE_LOCKED|transcript writer no longer owned|SESSION_WORK_START_CHANGED|changed while starting work/i, 'transient'],
  // After a 401/403 the gateway disables that provider's key for about a minute: the provider is
  // unusable for now (another provider may serve), not necessarily a bad credential.
  [/temporarily disabled after a provider auth\/billing failure/i, 'provider_unavailable'],
  // 429: "<provider's message>; Retry-After: <n> seconds" (the provider's text varies), or the rendered "(rate limited".
  [/Retry-After: \d|\(rate limited|rate.?limit|too many requests|HTTP 429|quota exceeded|resource.?exhausted/i, 'rate_limited'],
  // 401/403: "(authentication failed, HTTP 403). Re-authenticate ...", "Authentication failed (provider returned HTTP 401)".
  [/authentication failed|authentication was rejected|HTTP 40[13]\b|provider billing issue|Re-authenticate/i, 'auth'],
  // 5xx, overload, a model the provider does not know (another provider may have it).
  [/HTTP 5\d\d|provider internal error|provider overloaded|overloaded|model not found|was not found by the provider|ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i, 'provider_unavailable'],
  // Provider idle timeout ("did not produce a response before the model idle timeout") and a
  // stream cut mid-answer, which 2026.9.6 reports as "LLM request timed out.".
  [/idle timeout|timed? ?out/i, 'timeout'],
  // 400/422: "LLM request failed: provider rejected the request schema or tool payload.", "LLM request rejected: ...".
  [/provider rejected the request|LLM request rejected|request format rejected|context limit exceeded|context length|HTTP 4(?:00|22)\b/i, 'invalid_input'],
];

const RETRY_AFTER_SECONDS_RE = /Retry-After: (\d+(?:\.\d+)?) seconds?/i;
const RETRY_AFTER_MINUTES_RE = /Retry after about (\d+) minutes?/i;

function retryAfterFromText(text: string): number | undefined {
  const s = RETRY_AFTER_SECONDS_RE.exec(text);
  if (s?.[1]) return Math.ceil(Number(s[1]) * 1000);
  const m = RETRY_AFTER_MINUTES_RE.exec(text);
  if (m?.[1]) return Number(m[1]) * 60_000;
  return undefined;
}

function result(errorClass: FailureClass, message: string, retryAfterMs?: number): ClassifiedFailure {
  return {
    errorClass,
    message,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    retryable: !NON_RETRYABLE_FAILURE_CLASSES.includes(errorClass),
  };
}

/**
 * Maps what the adapter threw to the runtime's failure class. Not decided here: `budget_exceeded`
 * and `invalid_output` (the executor's, from usage and the answer text). The table with the
 * observed gateway outcomes is in README.md ("Failure classes").
 */
export function classifyGatewayFailure(err: unknown): ClassifiedFailure {
  if (!(err instanceof GatewayError)) {
    return result('internal', err instanceof Error ? err.message : String(err));
  }
  const message = err.message;
  switch (err.kind) {
    case 'unavailable':
    case 'connection':
      return result('transient', message, err.retryAfterMs);
    case 'auth':
      return result('auth', message);
    case 'timeout':
      // The attempt's budget ran out (run or slot wait) vs one RPC unanswered (gateway busy or hung).
      return result(err.code === CLIENT_ERROR_CODES.RPC_TIMEOUT ? 'transient' : 'timeout', message);
    case 'protocol':
      return result('internal', message);
    case 'run_failed': {
      const text = err.gatewayMessage ?? message;
      const match = RUN_FAILURE_PATTERNS.find(([re]) => re.test(text));
      if (match) {
        const retryAfterMs = err.retryAfterMs ?? (match[1] === 'rate_limited' || match[1] === 'provider_unavailable' ? retryAfterFromText(text) : undefined);
        return result(match[1], message, retryAfterMs);
      }
      // Ended by the gateway without a recognised reason: its own timeout, or an abort by someone else.
      if (err.code === 'timeout') return result(/aborted|stopReason rpc/i.test(text) ? 'transient' : 'timeout', message);
      return result('internal', message);
    }
  }
}
