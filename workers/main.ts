import { OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { runWorkerProcess } from './run-worker-process';

/** Worker composition root: the real OpenClaw gateway, checked against the pinned version. */
runWorkerProcess('runtime', async (config, logger) => {
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
    await gateway.close();
    throw new Error(
      `OpenClaw gateway reports version ${hello.serverVersion}, but RUNTIME_OPENCLAW_VERSION is ${config.RUNTIME_OPENCLAW_VERSION}: ` +
        'run the compatibility suite against the new version before changing the pin',
    );
  }
  logger.info('gateway connected', { protocol: hello.protocol, serverVersion: hello.serverVersion });
  return { gateway, close: () => gateway.close() };
}).catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
