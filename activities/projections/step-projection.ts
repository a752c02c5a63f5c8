import { Prisma, type PrismaClient } from '../../persistence/prisma-client';
import type { RunRef } from './command-projection';

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'waiting_approval' | 'approved' | 'rejected' | 'timed_out' | 'skipped';

export interface StepTransition extends RunRef {
  /** Position of this transition in the run: makes a retried write land once. */
  seq: number;
  step: string;
  status: StepStatus;
  detail?: Record<string, unknown>;
}

/**
 * Step transitions of a pipeline run on its runtime_workflow_runs row: the current step, the
 * ordered list of transitions, and the run's cumulative tokens and cost recomputed from its
 * attempt rows. One UPDATE; the `seq` guard makes a retried activity append nothing.
 */
export class StepProjection {
  constructor(private readonly prisma: PrismaClient) {}

  async transition(t: StepTransition): Promise<void> {
    const entry = JSON.stringify({ seq: t.seq, step: t.step, status: t.status, at: new Date().toISOString(), ...t.detail });
    const current = t.status === 'running' || t.status === 'waiting_approval' ? t.step : null;
    await this.prisma.$executeRaw(Prisma.sql`
      UPDATE runtime_workflow_runs AS r
         SET current_step = ${current},
             steps = COALESCE(r.steps, '[]'::jsonb) || jsonb_build_array(${entry}::jsonb),
             tokens_in = u.tokens_in, tokens_out = u.tokens_out, cost_usd = u.cost_usd
        FROM (SELECT COALESCE(SUM(tokens_in), 0)::int AS tokens_in, COALESCE(SUM(tokens_out), 0)::int AS tokens_out, COALESCE(SUM(cost_usd), 0) AS cost_usd
                FROM runtime_command_attempts WHERE command_id = ${t.commandId} AND workflow_run_id = ${t.runId}) AS u
       WHERE r.workflow_id = ${t.workflowId} AND r.run_id = ${t.runId}
         AND NOT COALESCE(r.steps, '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('seq', ${t.seq}::int))`);
  }
}
