import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

/** A process without an HTTP API of its own (the worker) serves GET /metrics here for Prometheus. */
export async function startMetricsServer(registry: Registry, host: string, port: number, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'GET /metrics only' } }));
      return;
    }
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((err: unknown) => {
        logger.error('metrics collection failed', { error: err instanceof Error ? err.message : String(err) });
        res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}/metrics`;
  logger.info('metrics listening', { url });
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
