import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, condition, defineSignal, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { RuntimeActivities } from '../activities';
import { COMMAND_SETTLED_SIGNAL, type ScheduledCommandArgs } from '../runtime/schedules';
import { commandSearchAttributes } from '../runtime/search-attributes';

export const commandSettledSignal = defineSignal<[{ commandId: string; status: string }]>(COMMAND_SETTLED_SIGNAL);

const intake = proxyActivities<RuntimeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['invalid_input'] },
});

export interface ScheduledCommandResult {
  commandId: string;
  status: string;
}

/**
 * One firing of a Temporal Schedule: accepts an ordinary command (its own row, events and
 * projections) and runs it as a child under the command's usual workflow id. It lasts until the
 * command ends or parks as a dead letter, so the schedule's overlap policy (SKIP: no second run
 * while one is in flight) applies to the agent work itself. The child outlives a terminated firing.
 */
export async function scheduledCommandWorkflow(args: ScheduledCommandArgs): Promise<ScheduledCommandResult> {
  const info = workflowInfo();
  const accepted = await intake.acceptScheduledCommand({ args, firingWorkflowId: info.workflowId, firedAt: new Date(info.runStartTime).toISOString() });
  let settled: string | undefined;
  setHandler(commandSettledSignal, (s) => {
    if (s.commandId === accepted.commandId) settled = s.status;
  });
  try {
    const child = await startChild(accepted.workflowType, {
      workflowId: accepted.workflowId,
      args: [accepted.startArgs],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: commandSearchAttributes(accepted),
    });
    const ended = child.result().then(
      (r: { status?: string }) => r?.status ?? 'succeeded',
      () => 'failed',
    );
    const status = await Promise.race([ended, condition(() => settled !== undefined).then(() => settled!)]);
    return { commandId: accepted.commandId, status };
  } catch (err) {
    // The command was started by an earlier run of this firing: it goes on by itself.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { commandId: accepted.commandId, status: 'already_started' };
    throw err;
  }
}
