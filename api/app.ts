import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../infra/logger';
import type { PrismaClient } from '../persistence/prisma-client';
import type { RuntimeConfig } from '../runtime/config/schema';
import { DeadLetterService } from './dead-letter-service';
import { CommandDispatcher } from './dispatcher';
import { adminDeadLetterRoutes } from './routes/admin-dead-letters';
import { ApiError, errorHandler } from './errors';
import { commandRoutes } from './routes/commands';

export interface AppDeps {
  config: RuntimeConfig;
  prisma: PrismaClient;
  temporal: Client;
  logger: Logger;
}

/** Builds the HTTP app from connections the caller owns (api/server.ts, or a test). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: deps.config.RUNTIME_MAX_INPUT_BYTES, strict: true }));

  const dispatcher = new CommandDispatcher({
    prisma: deps.prisma,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    defaultProfile: deps.config.RUNTIME_POLICY_PROFILE_DEFAULT,
    shadow: deps.config.RUNTIME_SHADOW_MODE,
    deadLetterThreshold: deps.config.RUNTIME_DEAD_LETTER_THRESHOLD,
    logger: deps.logger,
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    await deps.prisma.$queryRaw`SELECT 1`;
    res.json({ status: 'ready', runtimeEnabled: deps.config.RUNTIME_ENABLED });
  });
  const deadLetters = new DeadLetterService(deps.prisma, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, deps.config.RUNTIME_DEAD_LETTER_THRESHOLD, deps.logger);
  const replayEnabled = () => deps.config.RUNTIME_REPLAY_ENABLED;
  app.use(commandRoutes({ prisma: deps.prisma, dispatcher, isEnabled: () => deps.config.RUNTIME_ENABLED, replayEnabled }));
  app.use(adminDeadLetterRoutes({ prisma: deps.prisma, deadLetters, replayEnabled }));
  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `No route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
