import { CLIENT_ERROR_CODES, GatewayError, OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { counter, gauge } from '../infra/metrics';
import { runWorkerProcess } from './run-worker-process';

/** Worker composition root: the real OpenClaw gateway, checked against the pinned version. */
runWorkerProcess('runtime', async (config, logger, metrics) => {
  let refusedVersion: string | undefined;
  const mismatches = counter(metrics, 'si_gateway_version_mismatch_total', 'Gateway handshakes refused because the gateway is not the pinned version', ['reported', 'expected']);
  const gateway = new OpenClawGatewayClient({
    url: config.OPENCLAW_GATEWAY_URL,
    token: config.OPENCLAW_GATEWAY_TOKEN,
    // Back-pressure: never more runs in the gateway than activity slots, whatever else happens.
    maxConcurrentRuns: config.RUNTIME_MAX_CONCURRENCY,
    connectTimeoutMs: 30_000,
    expectedServerVersion: config.RUNTIME_OPENCLAW_VERSION,
    onVersionMismatch: (reported, expected) => {
      refusedVersion = reported;
      mismatches.inc({ reported, expected });
      logger.error('gateway version mismatch', { reported, expected });
    },
    logger,
  });
  gauge(metrics, 'si_gateway_runs_in_flight', 'Agent runs this worker has in the gateway', [], function () {
    this.set(gateway.inFlightRuns());
  });
  gauge(metrics, 'si_gateway_runs_queued', 'Agent runs waiting for a gateway slot (RUNTIME_MAX_CONCURRENCY)', [], function () {
    this.set(gateway.queuedRuns());
  });
  try {
    const hello = await gateway.connect();
    logger.info('gateway connected', { protocol: hello.protocol, serverVersion: hello.serverVersion });
  } catch (err) {
    await gateway.close();
    if (err instanceof GatewayError && err.code === CLIENT_ERROR_CODES.VERSION_MISMATCH) {
      throw new Error(
        `OpenClaw gateway reports version ${refusedVersion}, but RUNTIME_OPENCLAW_VERSION is ${config.RUNTIME_OPENCLAW_VERSION}: ` +
          'run the compatibility suite against the new version before changing the pin',
      );
    }
    throw err;
  }
  return { gateway, close: () => gateway.close() };
}).catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
