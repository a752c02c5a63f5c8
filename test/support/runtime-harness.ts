import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OpenClawGatewayClient } from '../../activities/openclaw/gateway-client';
import { createApp, type RuntimeApp } from '../../api/app';
import { deleteRedisKeys } from './redis-fixture';
import { createEventPublisher, eventReaderFactory } from '../../infra/events/from-config';
import type { EventPublisher } from '../../infra/events/redis-event-publisher';
import { createLogger, type Logger } from '../../infra/logger';
import { createMetricsRegistry } from '../../infra/metrics';
import type { Registry } from 'prom-client';
import type { PrismaClient } from '../../persistence/prisma-client';
import { createSqlPool, warnOnDroppedConnection, type SqlPool } from '../../persistence/sql';
import { parseConfig } from '../../runtime/config/load';
import type { RuntimeConfig } from '../../runtime/config/schema';
import { createRuntimeWorker, WORKFLOWS_PATH } from '../../workers/create-worker';
import { createTestDatabase } from './database-fixture';
import { startGatewayFixture } from './gateway-fixture';
import type { ProviderStandin } from '../../scripts/provider-standin/server';
import { startTemporalFixture } from './temporal-fixture';
import type { Redis } from 'ioredis';
import { createRedis } from '../../infra/redis';
import { TEST_AUTH_ENV } from './auth';

/**
 * The whole runtime on real components, started once per test run: a scratch PostgreSQL database,
 * a Temporal dev server, the pinned OpenClaw gateway with the AI-provider stand-in behind it, one
 * worker and the API on a free port. Only the AI provider is a stand-in.
 */
export interface RuntimeHarness {
  config: RuntimeConfig;
  prisma: PrismaClient;
  sqlPool: SqlPool;
  databaseUrl: string;
  temporal: TestWorkflowEnvironment;
  client: Client;
  standin: ProviderStandin;
  gatewayUrl: string;
  gatewayToken: string;
  apiUrl: string;
  logger: Logger;
  /** REDIS_KEY_PREFIX of this run: its keys are deleted at the end. */
  redisPrefix: string;
  /** The harness API's and worker's metrics (one process in tests). */
  metrics: Registry;
  /** The publisher the harness's worker and APIs share. */
  events: EventPublisher;
  /** The rate-limit connection the harness's APIs share. */
  redis: Redis;
  /** An extra API process-equivalent with other settings, on the same connections. */
  startApi(overrides: Partial<Record<string, string>>): Promise<{ url: string; metrics: Registry; close(): Promise<void> }>;
}

let shared: Promise<RuntimeHarness> | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

export function getHarness(): Promise<RuntimeHarness> {
  shared ??= startHarness();
  return shared;
}

export async function stopHarness(): Promise<void> {
  if (!shared) return;
  shared = undefined;
  // Reverse start order: API, worker, gateway, Temporal, database.
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((err) => process.stderr.write(`harness cleanup failed: ${err}\n`));
  }
}

async function listen(app: RuntimeApp): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        app.closeEventStreams();
        server.closeAllConnections();
      }),
  };
}

async function startHarness(): Promise<RuntimeHarness> {
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'error');
  const [db, temporal, gateway, workflowBundle] = await Promise.all([
    createTestDatabase(),
    startTemporalFixture(),
    startGatewayFixture(),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never }),
  ]);
  cleanups.push(() => db.drop(), () => temporal.teardown(), () => gateway.stop());

  const baseEnv = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `test-${process.pid}`,
    OPENCLAW_GATEWAY_URL: gateway.gatewayUrl,
    OPENCLAW_GATEWAY_TOKEN: gateway.token,
    API_PORT: '0',
    RUNTIME_REPLAY_ENABLED: 'true',
    REDIS_KEY_PREFIX: `si-test-${process.pid}:`,
    RUNTIME_EVENT_SSE_HEARTBEAT_MS: '1000',
    ...TEST_AUTH_ENV,
  };
  const config = parseConfig(baseEnv);
  cleanups.push(() => deleteRedisKeys(config.REDIS_URL, config.REDIS_KEY_PREFIX));
  const metrics = createMetricsRegistry('test', false);
  const events = createEventPublisher(config, logger, metrics);
  cleanups.push(() => events.close());
  const redis = createRedis(config.REDIS_URL, logger, 'test-rate-limits');
  cleanups.push(() => redis.quit());
  const client = temporal.client;

  const gatewayClient = new OpenClawGatewayClient({
    url: config.OPENCLAW_GATEWAY_URL,
    token: config.OPENCLAW_GATEWAY_TOKEN,
    maxConcurrentRuns: config.RUNTIME_MAX_CONCURRENCY,
    logger,
  });
  await gatewayClient.connect();
  cleanups.push(() => gatewayClient.close());

  const sqlPool = createSqlPool(db.url, warnOnDroppedConnection(logger));
  cleanups.push(() => sqlPool.end());
  const worker: Worker = await createRuntimeWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace ?? 'default',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxConcurrency: config.RUNTIME_MAX_CONCURRENCY,
    workflowBundle,
    prisma: db.prisma,
    sqlPool,
    gateway: gatewayClient,
    events,
    metrics,
    logger,
    replayEnabled: () => config.RUNTIME_REPLAY_ENABLED,
  });
  const running = worker.run();
  cleanups.push(async () => {
    worker.shutdown();
    await running;
  });

  // The first API shares the worker's registry (one process here); every extra one has its own.
  const startApi = async (overrides: Partial<Record<string, string>>, apiMetrics = createMetricsRegistry('test-api', false)) => {
    const apiConfig = parseConfig({ ...baseEnv, ...overrides });
    // An extra API with its own REDIS_URL gets a connection of its own (the abuse tests point one at nothing).
    const apiRedis = overrides.REDIS_URL ? createRedis(apiConfig.REDIS_URL, logger, 'test-rate-limits-extra') : redis;
    const app = createApp({ config: apiConfig, prisma: db.prisma, sqlPool, temporal: client, logger, events, openEventReader: eventReaderFactory(apiConfig, logger), metrics: apiMetrics, redis: apiRedis });
    const api = { ...(await listen(app)), metrics: apiMetrics };
    cleanups.push(() => api.close());
    if (apiRedis !== redis) cleanups.push(async () => apiRedis.disconnect());
    return api;
  };
  const api = await startApi({}, metrics);

  return {
    config,
    prisma: db.prisma,
    sqlPool,
    databaseUrl: db.url,
    temporal,
    client,
    standin: gateway.standin,
    gatewayUrl: gateway.gatewayUrl,
    gatewayToken: gateway.token,
    apiUrl: api.url,
    logger,
    redisPrefix: config.REDIS_KEY_PREFIX,
    metrics,
    events,
    redis,
    startApi,
  };
}
