import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../infra/logger';
import { gauge } from '../../infra/metrics';
import { taskQueueBacklog } from './task-queue-backlog';
import type { PrismaClient } from '../../persistence/prisma-client';

/**
 * Gauges read off the projections (and Temporal) at scrape time, so they agree with the rows by
 * construction and survive restarts of every process. Each scrape runs a few GROUP BY queries
 * over indexed columns; scrape every 15-60 s, not faster.
 */
export function registerProjectionMetrics(deps: { registry: Registry; prisma: PrismaClient; temporal: Client; namespace: string; taskQueue: string; logger: Logger }): void {
  const { registry, prisma } = deps;
  groupGauge(registry, 'si_commands', 'Commands by status, policy profile and agent family (projection rows)', ['status', 'policy_profile', 'agent_family'], async () =>
    (await prisma.runtimeCommand.groupBy({ by: ['status', 'policyProfile', 'agentFamily'], _count: { _all: true } })).map((r) => [
      { status: r.status, policy_profile: r.policyProfile, agent_family: r.agentFamily },
      r._count._all,
    ]),
  );
  groupGauge(registry, 'si_workflow_runs', 'Workflow runs by status (projection rows)', ['status'], async () =>
    (await prisma.runtimeWorkflowRun.groupBy({ by: ['status'], _count: { _all: true } })).map((r) => [{ status: r.status }, r._count._all]),
  );
  // All dead letters ever parked, by state: the parked ones are the dead-letter queue's size; the
  // sum over states only grows, so rate() over it is the growth.
  groupGauge(registry, 'si_dead_letters', 'Dead letters by status and agent family (projection rows)', ['status', 'agent_family'], async () =>
    (await prisma.runtimeDeadLetter.groupBy({ by: ['status', 'agentFamily'], _count: { _all: true } })).map((r) => [{ status: r.status, agent_family: r.agentFamily }, r._count._all]),
  );
  groupGauge(registry, 'si_replays', 'Dead-letter replay requests by outcome (audit rows)', ['outcome'], async () =>
    (await prisma.runtimeAdminAudit.groupBy({ by: ['outcome'], where: { action: 'dead_letter.replay' }, _count: { _all: true } })).map((r) => [{ outcome: r.outcome }, r._count._all]),
  );
  gauge(registry, 'si_task_queue_backlog', 'Tasks waiting on the runtime task queue (Temporal, approximate)', ['task_queue', 'type'], async function () {
    this.reset();
    for (const type of ['workflow', 'activity'] as const) {
      try {
        this.set({ task_queue: deps.taskQueue, type }, await taskQueueBacklog(deps.temporal, deps.namespace, deps.taskQueue, type));
      } catch (err) {
        deps.logger.warn('task queue backlog unavailable', { taskQueue: deps.taskQueue, error: err instanceof Error ? err.message : String(err) });
      }
    }
  });
}

/** A gauge whose series are the rows of one GROUP BY, replaced whole at every scrape. */
function groupGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  query: () => Promise<[Record<L, string>, number][]>,
): void {
  gauge(registry, name, help, labelNames, async function () {
    const rows = await query();
    this.reset();
    for (const [labels, value] of rows) this.set(labels as Partial<Record<L, string>>, value);
  });
}
