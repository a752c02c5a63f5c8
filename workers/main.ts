import { NativeConnection, Runtime } from '@temporalio/worker';
import { OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { loadConfigOrExit } from '../infra/config';
import { createLogger } from '../infra/logger';
import { temporalLoggerFor } from '../infra/temporal-logger';
import { createPrismaClient } from '../persistence/prisma-client';
import { createRuntimeWorker } from './create-worker';

/** Worker composition root: the only place the worker opens connections. */
async function main(): Promise<void> {
  const logger = createLogger('worker');
  const config = loadConfigOrExit(logger);
  // SIGINT/SIGTERM start a graceful worker shutdown (in-flight activities get shutdownGraceTime).
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: temporalLoggerFor(logger) });

  const prisma = createPrismaClient(config.DATABASE_URL);
  const gateway = new OpenClawGatewayClient({
    url: config.OPENCLAW_GATEWAY_URL,
    token: config.OPENCLAW_GATEWAY_TOKEN,
    // Back-pressure: never more runs in the gateway than activity slots, whatever else happens.
    maxConcurrentRuns: config.RUNTIME_MAX_CONCURRENCY,
    connectTimeoutMs: 30_000,
    logger,
  });
  const hello = await gateway.connect();
  if (hello.serverVersion !== config.RUNTIME_OPENCLAW_VERSION) {
    throw new Error(
      `OpenClaw gateway reports version ${hello.serverVersion}, but RUNTIME_OPENCLAW_VERSION is ${config.RUNTIME_OPENCLAW_VERSION}: ` +
        'run the compatibility suite against the new version before changing the pin',
    );
  }
  logger.info('gateway connected', { protocol: hello.protocol, serverVersion: hello.serverVersion });

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createRuntimeWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxConcurrency: config.RUNTIME_MAX_CONCURRENCY,
    prisma,
    gateway,
    logger,
    replayEnabled: () => config.RUNTIME_REPLAY_ENABLED,
  });
  logger.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE });
  try {
    await worker.run();
  } finally {
    await Promise.allSettled([gateway.close(), prisma.$disconnect(), connection.close()]);
    logger.info('worker stopped');
  }
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
