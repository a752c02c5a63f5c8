import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { warnOnDefaultAllocator } from '../infra/allocator-env';
import { loadConfigOrExit } from '../infra/config';
import { createEventPublisher, eventReaderFactory } from '../infra/events/from-config';
import { createMetricsRegistry } from '../infra/metrics';
import { createLogger } from '../infra/logger';
import { createRedis } from '../infra/redis';
import { createPrismaClient } from '../persistence/prisma-client';
import { createSqlPool, warnOnDroppedConnection } from '../persistence/sql';
import { createApp } from './app';

/** API composition root: the only place the API opens connections. */
async function main(): Promise<void> {
  const logger = createLogger('api');
  const config = loadConfigOrExit(logger);
  warnOnDefaultAllocator(logger, 'api');
  const prisma = createPrismaClient(config.DATABASE_URL);
  const sqlPool = createSqlPool(config.DATABASE_URL, warnOnDroppedConnection(logger));
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const metrics = createMetricsRegistry('api');
  const events = createEventPublisher(config, logger, metrics);
  const redis = createRedis(config.REDIS_URL, logger, 'rate-limits');
  const app = createApp({ config, prisma, sqlPool, temporal, logger, events, openEventReader: eventReaderFactory(config, logger), metrics, redis });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.API_PORT;
  logger.info('api listening', { url: `http://${config.API_HOST}:${port}` });
  if (!config.RUNTIME_AUTH_JWT_SECRET && !config.RUNTIME_AUTH_JWKS_URL) {
    logger.warn('no JWT verification configured: only service API keys are accepted (set RUNTIME_AUTH_JWT_SECRET or RUNTIME_AUTH_JWKS_URL)');
  }
  app.alerts.start();
  app.starter.startSweeping();

  // Finish in-flight requests, then close connections; a second signal exits at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('api stopping', { signal });
    server.close();
    app.alerts.stop();
    app.closeEventStreams();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.on('close', () => resolve()));
    await app.starter.drain(10_000);
    await Promise.allSettled([events.close(), prisma.$disconnect(), sqlPool.end(), connection.close(), redis.quit()]);
    logger.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
