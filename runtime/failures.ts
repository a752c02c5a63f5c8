/**
 * The runtime's failure classes. Every gateway, protocol and provider outcome maps to one of these;
 * the class name is the Temporal ApplicationFailure type, so retry policies can name them in
 * nonRetryableErrorTypes and the Temporal UI shows them as they are.
 */
export const FAILURE_CLASSES = [
  'transient',
  'rate_limited',
  'provider_unavailable',
  'timeout',
  'invalid_input',
  'auth',
  'budget_exceeded',
  'invalid_output',
  'internal',
  // A pipeline's human approval step said no, or nobody answered in time.
  'approval_rejected',
  'approval_timeout',
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Classes no retry can fix: the same request would fail the same way. */
export const NON_RETRYABLE_FAILURE_CLASSES: readonly FailureClass[] = ['invalid_input', 'auth', 'budget_exceeded', 'invalid_output', 'approval_rejected', 'approval_timeout'];

export function isFailureClass(value: unknown): value is FailureClass {
  return typeof value === 'string' && (FAILURE_CLASSES as readonly string[]).includes(value);
}
