import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { until } from './until';

/**
 * The workflow's result once it exists: the API answers 202 after RUNTIME_START_WAIT_MS even when
 * the start is still on its way (api/workflow-starter.ts), so a test may ask before Temporal has it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function workflowResult<T = any>(h: { client: Client }, workflowId: string, timeoutMs = 60_000): Promise<T> {
  const handle = h.client.workflow.getHandle(workflowId);
  await until(
    `workflow ${workflowId} to be started`,
    () =>
      handle.describe().then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      ),
    timeoutMs,
  );
  return handle.result() as Promise<T>;
}
