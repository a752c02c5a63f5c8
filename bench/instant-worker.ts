/**
 * Mode A runtime worker (a child process of bench/run.ts): the runtime's REAL workflow and
 * activities (createRuntimeWorker: projections, attempt rows, policy options) with the agent call
 * replaced by an instant in-process executor, so what is measured is orchestration overhead only.
 * Refuses to start unless RUNTIME_BENCHMARK=1: its "agent" answers without any model.
 * Configuration: the runtime's normal keys (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE,
 * RUNTIME_MAX_CONCURRENCY, LOG_LEVEL, ...).
 */
import { requireBenchmarkMode } from './lib/guard';

requireBenchmarkMode('bench/instant-worker');

import { randomUUID } from 'node:crypto';
import type { AgentGateway } from '../activities/execute-agent';
import type { AgentRunResult, RunAgentRequest } from '../activities/openclaw/gateway-client';
import { runWorkerProcess } from '../workers/run-worker-process';

const INSTANT_TEXT = JSON.stringify({ summary: 'bench', findings: [] });

/** Same shape as OpenClawGatewayClient.runAgent's result, returned at once. */
export const instantGateway: AgentGateway = {
  async runAgent(req: RunAgentRequest): Promise<AgentRunResult> {
    const input = Math.ceil(req.message.length / 4);
    return {
      runId: `bench-${randomUUID()}`,
      status: 'ok',
      text: INSTANT_TEXT,
      provider: 'gemini-standin',
      model: 'gemini-2.5-flash',
      usage: { input, output: 12, cacheRead: 0, cacheWrite: 0, total: input + 12 },
      gatewayCostUsd: null,
      durationMs: 0,
      reattached: false,
    };
  },
};

runWorkerProcess('bench-instant', async () => ({ gateway: instantGateway, close: async () => undefined })).catch((err) => {
  process.stderr.write(`instant worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
