import { NativeConnection, Runtime } from '@temporalio/worker';
import type { AgentGateway } from '../activities/execute-agent';
import { warnOnDefaultAllocator } from '../infra/allocator-env';
import { loadConfigOrExit } from '../infra/config';
import { createEventPublisher } from '../infra/events/from-config';
import { createMetricsRegistry } from '../infra/metrics';
import { startMetricsServer } from '../infra/metrics-server';
import type { Registry } from 'prom-client';
import { createLogger, type Logger } from '../infra/logger';
import { temporalLoggerFor } from '../infra/temporal-logger';
import { createPrismaClient } from '../persistence/prisma-client';
import type { RuntimeConfig } from '../runtime/config/schema';
import { createRuntimeWorker } from './create-worker';
import { withPriceOverrides } from '../runtime/pricing';
import { startSettingsFrom } from '../commands/workflow-start';
import { syncSchedules } from '../schedules/sync';
import { Client, Connection } from '@temporalio/client';
import { createSqlPool, warnOnDroppedConnection } from '../persistence/sql';

export interface GatewayHandle {
  gateway: AgentGateway;
  close(): Promise<void>;
}

/**
 * A worker process: configuration, connections, the worker, graceful shutdown on SIGINT/SIGTERM
 * (in-flight activities get shutdownGraceTime). The caller supplies only the gateway, so the
 * production entry (workers/main.ts) and the benchmark's instant worker share everything else.
 */
export async function runWorkerProcess(
  name: string,
  openGateway: (config: RuntimeConfig, logger: Logger, metrics: Registry) => Promise<GatewayHandle>,
): Promise<void> {
  const logger = createLogger('worker');
  const config = loadConfigOrExit(logger);
  warnOnDefaultAllocator(logger, 'worker');
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: temporalLoggerFor(logger) });

  // Prisma for the rarer paths; its query compiler loads on its first query, which a worker
  // running only single-step commands never makes (the hot path goes through sqlPool).
  const prisma = createPrismaClient(config.DATABASE_URL);
  const sqlPool = createSqlPool(config.DATABASE_URL, warnOnDroppedConnection(logger), config.RUNTIME_MAX_CONCURRENCY);
  const metrics = createMetricsRegistry('worker');
  const events = createEventPublisher(config, logger, metrics);
  const metricsServer = await startMetricsServer(metrics, config.WORKER_METRICS_HOST, config.WORKER_METRICS_PORT, logger);
  const gateway = await openGateway(config, logger, metrics);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createRuntimeWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxConcurrency: config.RUNTIME_MAX_CONCURRENCY,
    prisma,
    sqlPool,
    gateway: gateway.gateway,
    events,
    metrics,
    logger,
    replayEnabled: () => config.RUNTIME_REPLAY_ENABLED,
    shadowMode: () => config.RUNTIME_SHADOW_MODE,
    memoryMaxBytes: config.RUNTIME_MEMORY_MAX_BYTES,
    intake: {
      defaultProfile: config.RUNTIME_POLICY_PROFILE_DEFAULT,
      start: startSettingsFrom(config),
    },
    pricing: { table: withPriceOverrides(config.RUNTIME_PRICE_TABLE), promptOverheadTokens: config.RUNTIME_PROMPT_OVERHEAD_TOKENS },
  });
  if (config.RUNTIME_SCHEDULE_SYNC_ON_START) await syncSchedulesAtStart(config, logger);
  logger.info('worker running', { worker: name, taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE });
  try {
    await worker.run();
  } finally {
    await Promise.allSettled([gateway.close(), events.close(), metricsServer.close(), prisma.$disconnect(), sqlPool.end(), connection.close()]);
    logger.info('worker stopped');
  }
}

/**
 * Schedules follow agent_configurations from the moment a worker can run their firings. A failed
 * sync is logged and the worker runs on: commands must not stop because a schedule row is bad
 * (the sync reports bad rows; `npm run schedules:sync` retries).
 */
async function syncSchedulesAtStart(config: RuntimeConfig, logger: Logger): Promise<void> {
  // A client of its own, dropped afterwards: the sync is the only Prisma work many workers do,
  // and the query compiler it instantiates would otherwise stay resident for the process's life.
  const prisma = createPrismaClient(config.DATABASE_URL, { poolMax: 1 });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    await syncSchedules({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, idPrefix: config.RUNTIME_SCHEDULE_ID_PREFIX, logger });
  } catch (err) {
    logger.error('schedule sync at start failed; the worker runs on', { error: err instanceof Error ? err.message : String(err) });
  } finally {
    await Promise.allSettled([connection.close(), prisma.$disconnect()]);
  }
}
