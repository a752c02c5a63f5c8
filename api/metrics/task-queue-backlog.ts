import type { Client } from '@temporalio/client';

/**
 * Temporal's approximate backlog of one task queue (describeTaskQueue with stats), by task type.
 * temporal.api.enums.v1.TaskQueueType: WORKFLOW = 1, ACTIVITY = 2.
 */
export async function taskQueueBacklog(temporal: Client, namespace: string, taskQueue: string, type: 'workflow' | 'activity'): Promise<number> {
  const answer = await temporal.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: type === 'workflow' ? 1 : 2,
    reportStats: true,
  });
  return Number(answer.stats?.approximateBacklogCount ?? 0);
}
