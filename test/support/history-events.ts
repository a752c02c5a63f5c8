import type { RuntimeHarness } from './runtime-harness';

/**
 * A workflow's history as event kinds, e.g. "ActivityTaskScheduled(executeAgentAttempt)" or
 * "MarkerRecorded(core_local_activity)": what a test asserts when the shape of a run is the point.
 */
export async function historyEventKinds(h: RuntimeHarness, workflowId: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((ev) => {
    for (const [key, value] of Object.entries(ev as Record<string, unknown>)) {
      if (!value || !key.endsWith('EventAttributes')) continue;
      const name = key[0]!.toUpperCase() + key.slice(1, -'EventAttributes'.length);
      const detail = (value as { activityType?: { name?: string } }).activityType?.name ?? (value as { markerName?: string }).markerName;
      return detail ? `${name}(${detail})` : name;
    }
    return 'Unknown';
  });
}
