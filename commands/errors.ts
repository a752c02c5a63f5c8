/**
 * A command that cannot be started as configured (an invalid agent_configurations row, an action
 * that no longer routes). Thrown wherever commands are started; the API answers it with its
 * status and code, an activity fails with it.
 */
export class CommandSetupError extends Error {
  override readonly name = 'CommandSetupError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
