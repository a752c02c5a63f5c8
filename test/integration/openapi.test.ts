import assert from 'node:assert/strict';
import { z } from 'zod';
import { createApp } from '../../api/app';
import { DOCUMENTED_ROUTES } from '../../api/openapi/document';
import { eventReaderFactory } from '../../infra/events/from-config';
import { createMetricsRegistry } from '../../infra/metrics';
import { parseConfig } from '../../runtime/config/load';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` the Express app routes, read off its router (Express 5). */
function appRoutes(app: { router: { stack: Layer[] } }): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return [...new Set(out)].sort();
}

describe('OpenAPI document (generated from the validators)', function () {
  let h: RuntimeHarness;
  let doc: any;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    const answer = await request(h.apiUrl, 'GET', '/openapi.json');
    assert.equal(answer.status, 200);
    doc = answer.body;
  });

  it('is OpenAPI 3.1 and documents every route the app serves, and nothing it does not', () => {
    assert.equal(doc.openapi, '3.1.0');
    const config = parseConfig({ DATABASE_URL: h.databaseUrl, REDIS_KEY_PREFIX: h.redisPrefix });
    const app = createApp({ config, prisma: h.prisma, temporal: h.client, logger: h.logger, events: h.events, openEventReader: eventReaderFactory(config, h.logger), metrics: createMetricsRegistry('openapi-test', false) });
    const served = appRoutes(app as unknown as { router: { stack: Layer[] } }).filter((r) => !r.startsWith('GET /docs/'));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(documented, served);
  });

  it('describes each request body and query exactly as the validator accepts it', () => {
    for (const route of DOCUMENTED_ROUTES) {
      const where = `${route.method.toUpperCase()} ${route.path}`;
      const op = doc.paths[route.path][route.method];
      const media = route.request?.body?.content['application/json'] as { schema?: z.ZodType } | undefined;
      const body = media?.schema;
      if (body) {
        const fromValidator = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as { properties?: object; required?: string[] };
        const documented = op.requestBody.content['application/json'].schema;
        assert.deepEqual(Object.keys(documented.properties ?? {}).sort(), Object.keys(fromValidator.properties ?? {}).sort(), `${where}: body fields`);
        assert.deepEqual([...(documented.required ?? [])].sort(), [...(fromValidator.required ?? [])].sort(), `${where}: required body fields`);
      }
      const query = route.request?.query as z.ZodObject | undefined;
      if (query) {
        const documented = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort();
        assert.deepEqual(documented, Object.keys(query.shape).sort(), `${where}: query parameters`);
      }
    }
  });

  it('names the headers clients send and the error answers they get', () => {
    const submit = doc.paths['/v1/commands'].post;
    const headers = submit.parameters.filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name);
    assert.deepEqual(headers.sort(), ['Idempotency-Key', 'traceparent']);
    assert.deepEqual(Object.keys(submit.responses).sort(), ['200', '202', '400', '409', '413', '415', '503']);
    assert.ok(submit.responses['503'].headers['Retry-After']);
    const events = doc.paths['/admin/runtime/events'].get;
    assert.ok(events.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Last-Event-ID'));
    const replay = doc.paths['/admin/runtime/dead-letters/{commandId}/replay'].post;
    assert.ok(replay.parameters.some((p: { name: string }) => p.name === 'X-Actor'));
    assert.ok(replay.responses['409'] && replay.responses['403']);
  });

  it('serves a browsable page with its assets from the package, offline', async () => {
    const page = await request(h.apiUrl, 'GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(String(page.body), /swagger-ui-bundle\.js/);
    const bundle = await fetch(`${h.apiUrl}/docs/assets/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
  });
});
