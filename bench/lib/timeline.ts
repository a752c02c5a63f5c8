import type { Client } from '@temporalio/client';
import { dist } from './stats';

/** Event kind from whichever `...EventAttributes` field the event carries, e.g. "ActivityTaskScheduled". */
function kind(e: Record<string, unknown>): string {
  for (const [k, v] of Object.entries(e)) {
    if (v && k.endsWith('EventAttributes')) {
      const name = k.slice(0, -'EventAttributes'.length);
      const activity = (v as { activityType?: { name?: string } }).activityType?.name;
      return name[0]!.toUpperCase() + name.slice(1) + (activity ? `(${activity})` : '');
    }
  }
  return 'Unknown';
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

/**
 * Where a workflow's time goes: the gap before each history event (submit -> first event, then
 * event to event), median over workflows with the same event sequence. Activity names are filled
 * in for ActivityTaskStarted/Completed from their scheduled event.
 */
export async function timeline(client: Client, items: { workflowId: string; submittedAt: number }[]): Promise<{ step: string; p50Ms: number }[]> {
  const perStep = new Map<string, number[]>();
  const order: string[] = [];
  for (const it of items) {
    const h = await client.workflow.getHandle(it.workflowId).fetchHistory();
    const names = new Map<string, string>();
    let prev = it.submittedAt;
    let prevKind = 'submit';
    for (const ev of h.events ?? []) {
      const e = ev as unknown as Record<string, unknown> & { eventId?: unknown; eventTime?: { seconds?: unknown; nanos?: number } };
      let k = kind(e);
      if (k.startsWith('ActivityTaskScheduled')) names.set(String(e.eventId), k.slice('ActivityTaskScheduled'.length));
      const sched = (e.activityTaskStartedEventAttributes ?? e.activityTaskCompletedEventAttributes) as { scheduledEventId?: unknown } | undefined;
      if (sched?.scheduledEventId !== undefined) k += names.get(String(sched.scheduledEventId)) ?? '';
      const t = ms(e.eventTime);
      let step = `${prevKind} -> ${k}`;
      // Same step twice in one workflow (sequential activities): number them.
      let n = 2;
      while (perStep.has(step) && perStep.get(step)!.length > items.indexOf(it)) step = `${prevKind} -> ${k} #${n++}`;
      if (!perStep.has(step)) {
        perStep.set(step, []);
        order.push(step);
      }
      perStep.get(step)!.push(t - prev);
      prev = t;
      prevKind = k;
    }
  }
  return order.map((step) => ({ step, p50Ms: dist(perStep.get(step)!).p50 }));
}
