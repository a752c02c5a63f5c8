import { ApplicationFailure, proxyActivities, upsertSearchAttributes, workflowInfo, log } from '@temporalio/workflow';
import type { RuntimeActivities } from '../activities';
import type { AgentCommandWorkflowInput } from '../runtime/command';
import { isFailureClass, type FailureClass } from '../runtime/failures';
import { activityOptionsFor } from '../runtime/policy/activity-options';
import { getPolicyProfile } from '../runtime/policy/profiles';
import { RUNTIME_STATUS, SEARCH_ATTRIBUTES } from '../runtime/search-attributes';

export interface AgentCommandWorkflowResult {
  commandId: string;
  status: 'succeeded';
  output: unknown;
  attempts: number;
}

// Projections are idempotent upserts, so they may retry freely and quickly.
const projections = proxyActivities<RuntimeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One agent command: project the start, run the agent attempt under the command's policy profile,
 * project the outcome. The workflow holds no I/O of its own; everything goes through activities.
 */
export async function agentCommandWorkflow(command: AgentCommandWorkflowInput): Promise<AgentCommandWorkflowResult> {
  const info = workflowInfo();
  const run = { commandId: command.commandId, workflowId: info.workflowId, runId: info.runId, traceId: command.traceId };
  const profile = getPolicyProfile(command.policyProfile);
  const executor = proxyActivities<RuntimeActivities>(activityOptionsFor(profile));

  setRuntimeStatus(RUNTIME_STATUS.running);
  await projections.recordRunStarted({ ...run, workflowType: info.workflowType, taskQueue: info.taskQueue });

  try {
    const attempt = await executor.executeAgentAttempt({
      commandId: command.commandId,
      workflowId: info.workflowId,
      workflowRunId: info.runId,
      agentFamily: command.agentFamily,
      action: command.action,
      input: command.input,
      traceId: command.traceId,
    });
    await projections.recordCommandOutcome({ ...run, outcome: 'succeeded', output: attempt.output, attempt });
    setRuntimeStatus(RUNTIME_STATUS.succeeded);
    return { commandId: command.commandId, status: 'succeeded', output: attempt.output, attempts: attempt.attemptNumber };
  } catch (err) {
    const { errorClass, message } = describeFailure(err);
    log.warn('agent command failed', { ...run, errorClass });
    await projections.recordCommandOutcome({ ...run, outcome: 'failed', errorClass, errorMessage: message });
    setRuntimeStatus(RUNTIME_STATUS.failed);
    throw ApplicationFailure.create({ type: errorClass, message, nonRetryable: true, cause: err instanceof Error ? err : undefined });
  }
}

function setRuntimeStatus(status: (typeof RUNTIME_STATUS)[keyof typeof RUNTIME_STATUS]): void {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.RuntimeStatus, value: status }]);
}

/** The failure class travels as the ApplicationFailure type through Temporal's ActivityFailure wrapper. */
function describeFailure(err: unknown): { errorClass: FailureClass; message: string } {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && isFailureClass(current.type)) {
      return { errorClass: current.type, message: current.message };
    }
    current = (current as Error & { cause?: unknown }).cause;
  }
  return { errorClass: 'internal', message: err instanceof Error ? err.message : String(err) };
}
