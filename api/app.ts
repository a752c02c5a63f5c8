import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { EventPublisher } from '../infra/events/redis-event-publisher';
import type { EventReader } from '../infra/events/redis-event-reader';
import type { Logger } from '../infra/logger';
import type { PrismaClient } from '../persistence/prisma-client';
import type { SqlPool } from '../persistence/sql';
import type { RuntimeConfig } from '../runtime/config/schema';
import { DeadLetterService } from './dead-letter-service';
import { registerProjectionMetrics } from './metrics/projection-metrics';
import { adminSloRoutes } from './routes/admin-slo';
import { adminShadowRoutes } from './routes/admin-shadow';
import { docsRoutes } from './routes/docs';
import { AlertMonitor } from './slo/alert-monitor';
import { SloService } from './slo/slo-service';
import { DEFAULT_ALERT_THRESHOLDS } from '../runtime/slo';
import { CommandDispatcher } from './dispatcher';
import { WorkflowStarter } from './workflow-starter';
import { gauge } from '../infra/metrics';
import { adminDeadLetterRoutes } from './routes/admin-dead-letters';
import { adminEventRoutes } from './routes/admin-events';
import { ApiError, errorHandler } from './errors';
import { startSettingsFrom } from '../commands/workflow-start';
import { commandApprovalRoutes } from './routes/command-approvals';
import { adminScheduleRoutes } from './routes/admin-schedules';
import { ScheduleService } from './schedule-service';
import { commandRoutes } from './routes/commands';
import type { Redis } from 'ioredis';
import { ApiKeyStore } from '../persistence/api-keys';
import { RequestBudget } from './abuse/rate-limiter';
import { boundedJsonBody } from './abuse/body-limits';
import { AccessAudit } from './auth/access-audit';
import { accessControl } from './auth/access-control';
import { Authenticator } from './auth/authenticator';
import { createJwtVerifier } from './auth/jwt-verifier';
import { adminApiKeyRoutes } from './routes/admin-api-keys';

export interface AppDeps {
  config: RuntimeConfig;
  prisma: PrismaClient;
  /** node-postgres pool for the statements every submission runs (persistence/sql.ts). */
  sqlPool: SqlPool;
  temporal: Client;
  logger: Logger;
  events: EventPublisher;
  /** One Redis connection per SSE client. */
  openEventReader: () => EventReader;
  metrics: Registry;
  /** Rate-limit counters, shared by every API replica (fail-safe when Redis is down). */
  redis: Redis;
}

export type RuntimeApp = Express & {
  closeEventStreams(): void;
  /** The composition root starts it (api/server.ts); tests drive evaluateOnce(). */
  alerts: AlertMonitor;
  /** Background workflow starts; the composition root runs its sweep and drains it on stop. */
  starter: WorkflowStarter;
};

/** Builds the HTTP app from connections the caller owns (api/server.ts, or a test). */
export function createApp(deps: AppDeps): RuntimeApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.config.API_TRUST_PROXY_HOPS > 0) app.set('trust proxy', deps.config.API_TRUST_PROXY_HOPS);
  const apiKeys = new ApiKeyStore(deps.prisma);
  const budgetPrefix = `${deps.config.REDIS_KEY_PREFIX}ratelimit`;
  app.use(
    accessControl({
      authenticator: new Authenticator(createJwtVerifier(deps.config), apiKeys),
      audit: new AccessAudit(deps.prisma, deps.logger),
      ipBudget: new RequestBudget(deps.redis, `${budgetPrefix}:ip`, deps.config.RUNTIME_RATE_LIMIT_IP_PER_MINUTE),
      principalBudget: new RequestBudget(deps.redis, `${budgetPrefix}:principal`, deps.config.RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE),
    }),
  );
  app.use(boundedJsonBody({ commandBytes: deps.config.RUNTIME_MAX_INPUT_BYTES, adminBytes: deps.config.RUNTIME_MAX_ADMIN_BODY_BYTES, maxDepth: deps.config.RUNTIME_MAX_JSON_DEPTH }));

  const startSettings = startSettingsFrom(deps.config);
  const starter = new WorkflowStarter({
    prisma: deps.prisma,
    sqlPool: deps.sqlPool,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    start: startSettings,
    logger: deps.logger,
    concurrency: deps.config.RUNTIME_START_CONCURRENCY,
    sweepAfterMs: deps.config.RUNTIME_START_SWEEP_SECONDS * 1000,
  });
  gauge(deps.metrics, 'si_api_workflow_starts_pending', 'Workflow starts this API process has queued, in flight or waiting to retry (api/workflow-starter.ts)', [], function () {
    this.set(starter.backlog);
  });
  const dispatcher = new CommandDispatcher({
    prisma: deps.prisma,
    sqlPool: deps.sqlPool,
    starter,
    startWaitMs: deps.config.RUNTIME_START_WAIT_MS,
    defaultProfile: deps.config.RUNTIME_POLICY_PROFILE_DEFAULT,
    shadow: deps.config.RUNTIME_SHADOW_MODE,
    events: deps.events,
    logger: deps.logger,
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  registerProjectionMetrics({
    registry: deps.metrics,
    prisma: deps.prisma,
    temporal: deps.temporal,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    logger: deps.logger,
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  app.get('/readyz', async (_req, res) => {
    await deps.prisma.$queryRaw`SELECT 1`;
    res.json({ status: 'ready', runtimeEnabled: deps.config.RUNTIME_ENABLED });
  });
  const deadLetters = new DeadLetterService(deps.prisma, deps.sqlPool, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, startSettings, deps.logger);
  const replayEnabled = () => deps.config.RUNTIME_REPLAY_ENABLED;
  app.use(commandRoutes({ prisma: deps.prisma, dispatcher, isEnabled: () => deps.config.RUNTIME_ENABLED, replayEnabled }));
  app.use(commandApprovalRoutes({ prisma: deps.prisma, temporal: deps.temporal }));
  const schedules = new ScheduleService({ prisma: deps.prisma, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, idPrefix: deps.config.RUNTIME_SCHEDULE_ID_PREFIX, logger: deps.logger });
  app.use(adminScheduleRoutes({ schedules }));
  app.use(adminDeadLetterRoutes({ prisma: deps.prisma, deadLetters, replayEnabled }));
  const eventRoutes = adminEventRoutes({
    enabled: () => deps.config.RUNTIME_EVENT_SSE_ENABLED,
    openReader: deps.openEventReader,
    settings: { heartbeatMs: deps.config.RUNTIME_EVENT_SSE_HEARTBEAT_MS, stallTimeoutMs: deps.config.RUNTIME_EVENT_SSE_STALL_MS, batchSize: 100 },
    logger: deps.logger,
    metrics: deps.metrics,
  });
  app.use(eventRoutes);
  const slo = new SloService({
    prisma: deps.prisma,
    temporal: deps.temporal,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    thresholds: { ...DEFAULT_ALERT_THRESHOLDS, backlogBudget: deps.config.RUNTIME_MAX_CONCURRENCY },
    logger: deps.logger,
  });
  app.use(adminSloRoutes({ slo }));
  app.use(adminApiKeyRoutes({ prisma: deps.prisma, apiKeys }));
  app.use(adminShadowRoutes({ prisma: deps.prisma, config: deps.config }));
  app.use(docsRoutes());
  const alerts = new AlertMonitor({
    slo,
    events: deps.events,
    metrics: deps.metrics,
    logger: deps.logger,
    intervalMs: deps.config.RUNTIME_ALERT_EVAL_INTERVAL_MS,
    windowMs: deps.config.RUNTIME_ALERT_WINDOW_MINUTES * 60_000,
  });
  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `No route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return Object.assign(app, { closeEventStreams: () => eventRoutes.closeAll(), alerts, starter });
}
