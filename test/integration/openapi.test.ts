import assert from 'node:assert/strict';
import { z } from 'zod';
import { createApp } from '../../api/app';
import { DOCUMENTED_ROUTES, EXPECTED_STATUS } from '../../api/openapi/document';
import { eventReaderFactory } from '../../infra/events/from-config';
import { createMetricsRegistry } from '../../infra/metrics';
import { parseConfig } from '../../runtime/config/load';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { adminToken } from '../support/auth';
import { workflowResult } from '../support/workflow-result';

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

type Part = 'path' | 'query' | 'header' | 'body';
interface ExampleObject {
  value: unknown;
  [EXPECTED_STATUS]?: number;
}
interface Operation {
  parameters?: { name: string; in: string; examples?: Record<string, ExampleObject> }[];
  requestBody?: { content: Record<string, { examples?: Record<string, ExampleObject> }> };
  responses: Record<string, unknown>;
}

/** A documented example request, reassembled from the parts the document spreads it over. */
interface ExampleRequest {
  /** `METHOD /path` of the operation. */
  operation: string;
  /** The operation and the example's name, for messages. */
  where: string;
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Every named example of every operation; throws when the parts of one disagree on its status. */
function exampleRequests(doc: { paths: Record<string, Record<string, Operation>> }): ExampleRequest[] {
  const out: ExampleRequest[] = [];
  for (const [pathTemplate, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const parts = new Map<string, { part: Part; name: string; example: ExampleObject }[]>();
      const add = (part: Part, name: string, examples: Record<string, ExampleObject> = {}) => {
        for (const [exampleName, example] of Object.entries(examples)) parts.set(exampleName, [...(parts.get(exampleName) ?? []), { part, name, example }]);
      };
      for (const p of op.parameters ?? []) add(p.in as Part, p.name, p.examples);
      add('body', 'body', op.requestBody?.content['application/json']?.examples);
      const operation = `${method.toUpperCase()} ${pathTemplate}`;
      for (const [name, pieces] of parts) {
        const where = `${operation} example ${name}`;
        const statuses = [...new Set(pieces.map((piece) => piece.example[EXPECTED_STATUS]))];
        assert.equal(statuses.length, 1, `${where}: its parts name different statuses: ${statuses.join(', ')}`);
        let path = pathTemplate;
        const query = new URLSearchParams();
        const request: ExampleRequest = { operation, where, method: method.toUpperCase(), path, status: Number(statuses[0]), headers: {} };
        for (const { part, name: field, example } of pieces) {
          if (part === 'path') path = path.replace(`{${field}}`, encodeURIComponent(String(example.value)));
          else if (part === 'query') query.set(field, String(example.value));
          else if (part === 'header') request.headers[field] = String(example.value);
          else request.body = example.value;
        }
        assert.doesNotMatch(path, /\{/, `${where}: a path parameter has no example value`);
        request.path = query.size > 0 ? `${path}?${query}` : path;
        out.push(request);
      }
    }
  }
  return out;
}

/** Sends one example and answers its status; an event stream is closed as soon as it is open. */
async function send(apiUrl: string, example: ExampleRequest): Promise<{ status: number; body: string }> {
  const headers = { Authorization: `Bearer ${await adminToken()}`, ...example.headers, ...(example.body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(`${apiUrl}${example.path}`, { method: example.method, headers, body: example.body === undefined ? undefined : JSON.stringify(example.body) });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, body: '(event stream)' };
  }
  return { status: res.status, body: await res.text() };
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
    const app = createApp({ config, prisma: h.prisma, sqlPool: h.sqlPool, temporal: h.client, logger: h.logger, events: h.events, openEventReader: eventReaderFactory(config, h.logger), metrics: createMetricsRegistry('openapi-test', false), redis: h.redis });
    const served = appRoutes(app as unknown as { router: { stack: Layer[] } }).filter((r) => !r.startsWith('GET /docs/'));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(documented, served);
  });

  it('is valid against the OpenAPI 3.1 schema', async () => {
    // ESM only: loaded with import(), which tsc keeps as is in this CommonJS build.
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.ok(result.valid, `schema violations:\n${JSON.stringify(result.errors, null, 2)}`);
    assert.equal(validator.version, '3.1');
  });

  it('gives every operation with parameters or a body examples, each answering a status it documents', () => {
    const examples = exampleRequests(doc);
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const own = examples.filter((e) => e.operation === where);
        if ((op.parameters ?? []).length > 0 || op.requestBody) assert.ok(own.length > 0, `${where}: takes input but has no example`);
        for (const e of own) assert.ok(op.responses[String(e.status)], `${e.where}: answers ${e.status}, which the operation does not document`);
      }
    }
  });

  it('answers every documented example request with its documented status', async function () {
    this.timeout(120_000);
    const answers = [];
    for (const example of exampleRequests(doc)) answers.push({ example, answer: await send(h.apiUrl, example) });
    const wrong = answers.filter(({ example, answer }) => answer.status !== example.status).map(({ example, answer }) => `${example.where}: ${answer.status} instead of ${example.status}: ${answer.body.slice(0, 300)}`);
    assert.deepEqual(wrong, []);
    // Submitted examples run real commands; let them finish so the next suite starts on an idle runtime.
    for (const { answer } of answers.filter(({ answer }) => answer.status === 202)) {
      const { workflowId } = JSON.parse(answer.body) as { workflowId?: string };
      if (workflowId) await workflowResult(h, workflowId);
    }
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
    assert.deepEqual(Object.keys(submit.responses).sort(), ['200', '202', '400', '401', '403', '409', '413', '415', '429', '503']);
    assert.ok(submit.responses['429'].headers['Retry-After']);
    assert.deepEqual(submit.security, [{ bearer: [] }]);
    assert.equal(submit['x-required-role'], 'client');
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.ok(submit.responses['503'].headers['Retry-After']);
    const events = doc.paths['/admin/runtime/events'].get;
    assert.ok(events.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Last-Event-ID'));
    const replay = doc.paths['/admin/runtime/dead-letters/{commandId}/replay'].post;
    assert.equal(replay['x-required-role'], 'operator');
    assert.equal(doc.paths['/admin/runtime/dead-letters/{commandId}/discard'].post['x-required-role'], 'admin');
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
