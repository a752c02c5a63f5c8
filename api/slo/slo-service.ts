import type { Client } from '@temporalio/client';
import type { Logger } from '../../infra/logger';
import type { PrismaClient } from '../../persistence/prisma-client';
import { computeSlo, evaluateAlerts, type AlertState, type AlertThresholds, type SloReport, type SloSnapshot } from '../../runtime/slo';
import { taskQueueBacklog } from '../metrics/task-queue-backlog';
import { readSloSnapshot } from './slo-snapshot';

export interface SloView {
  window: { from: string; to: string; ms: number };
  slo: SloReport;
  alerts: AlertState[];
  snapshot: SloSnapshot;
}

/** SLIs and alert states for a window ending now: the snapshot read once, both decisions pure. */
export class SloService {
  constructor(
    private readonly deps: { prisma: PrismaClient; temporal: Client; namespace: string; taskQueue: string; thresholds: AlertThresholds; logger: Logger },
  ) {}

  async evaluate(windowMs: number, now = new Date()): Promise<SloView> {
    const since = new Date(now.getTime() - windowMs);
    const backlog = await taskQueueBacklog(this.deps.temporal, this.deps.namespace, this.deps.taskQueue, 'activity').catch((err: unknown) => {
      this.deps.logger.warn('task queue backlog unavailable', { error: err instanceof Error ? err.message : String(err) });
      return null;
    });
    const snapshot = await readSloSnapshot(this.deps.prisma, since, now, backlog);
    return {
      window: { from: since.toISOString(), to: now.toISOString(), ms: windowMs },
      slo: computeSlo(snapshot),
      alerts: evaluateAlerts(snapshot, this.deps.thresholds),
      snapshot,
    };
  }
}
