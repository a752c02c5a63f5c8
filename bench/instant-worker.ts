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
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { AgentGateway } from '../activities/execute-agent';
import type { AgentRunResult, RunAgentRequest } from '../activities/openclaw/gateway-client';
import { loadConfigOrExit } from '../infra/config';
import { createLogger } from '../infra/logger';
import { temporalLoggerFor } from '../infra/temporal-logger';
import { createPrismaClient } from '../persistence/prisma-client';
import { createRuntimeWorker } from '../workers/create-worker';

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

async function main(): Promise<void> {
  const logger = createLogger('worker');
  const config = loadConfigOrExit(logger);
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: temporalLoggerFor(logger) });
  const prisma = createPrismaClient(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createRuntimeWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxConcurrency: config.RUNTIME_MAX_CONCURRENCY,
    prisma,
    gateway: instantGateway,
    logger,
  });
  logger.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, benchmark: 'instant-gateway' });
  process.stdout.write('bench worker running\n');
  try {
    await worker.run();
  } finally {
    await Promise.allSettled([prisma.$disconnect(), connection.close()]);
  }
}

main().catch((err) => {
  process.stderr.write(`instant worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
