import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { commandEnvelopeSchema, idempotencyKeySchema, traceparentSchema } from '../../runtime/command';
import { deadLetterBulkReplayBodySchema, deadLetterDiscardBodySchema, deadLetterListQuerySchema, deadLetterReplayBodySchema } from '../routes/admin-dead-letters';
import { eventsQuerySchema } from '../routes/admin-events';
import { sloQuerySchema } from '../routes/admin-slo';
import { commandIdSchema, commandReplayBodySchema } from '../routes/commands';

/**
 * The OpenAPI 3.1 document, generated from the very zod schemas the routes validate with (they
 * are imported from the route modules, not restated). Response bodies are described by shape.
 */
const errorBody = z.object({
  error: z
    .object({
      code: z.string().describe('machine-readable error code, e.g. invalid_request, not_found, idempotency_conflict'),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional().describe('400 invalid_request: every problem found'),
      status: z.string().optional().describe('409: the current state of the target'),
    })
    .catchall(z.unknown()),
});

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => json(errorBody, description);
const retryAfter = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' as const } } };
const problemRetry = (description: string) => ({ ...problem(description), headers: retryAfter });

const commandView = z
  .object({
    commandId: z.uuid(),
    workflowId: z.string(),
    status: z.enum(['accepted', 'running', 'succeeded', 'failed', 'dead_lettered', 'cancelled']),
    statusUrl: z.string(),
    traceId: z.string(),
  })
  .catchall(z.unknown())
  .describe('The command as projected: status, result, error, usage, attempts (GET), replayOf / replays');
const deadLetterView = z.object({ commandId: z.uuid(), status: z.string(), errorClass: z.string(), attempts: z.number().int() }).catchall(z.unknown());
const commandIdParams = z.object({ commandId: commandIdSchema });
const actorHeaders = z.object({ 'X-Actor': z.string().describe('who acts, for the audit trail (replaced by authentication later)'), traceparent: traceparentSchema.optional() });
const submitHeaders = z.object({
  'Idempotency-Key': idempotencyKeySchema.optional().describe('a repeat with the same body answers the same command (200)'),
  traceparent: traceparentSchema.optional().describe('W3C trace context; its trace id becomes the command trace id'),
});

/** Every route the API serves, as documented; the route-coverage test compares it with the app. */
export const DOCUMENTED_ROUTES: RouteConfig[] = [
  {
    method: 'post',
    path: '/v1/commands',
    summary: 'Submit a command',
    request: { headers: submitHeaders, body: { required: true, content: { 'application/json': { schema: commandEnvelopeSchema } } } },
    responses: {
      202: json(commandView, 'accepted: a new command'),
      200: json(commandView, 'the command an earlier request with this Idempotency-Key created'),
      400: problem('invalid_request (fields) or invalid_json'),
      409: problem('idempotency_conflict: the key was used with another body'),
      413: problem('payload_too_large (RUNTIME_MAX_INPUT_BYTES)'),
      415: problem('unsupported_media_type'),
      503: problemRetry('runtime_disabled (RUNTIME_ENABLED=false) or temporal_unavailable (retry with the same key)'),
    },
  },
  {
    method: 'get',
    path: '/v1/commands/{commandId}',
    summary: 'A command, its result and every attempt',
    request: { params: commandIdParams },
    responses: { 200: json(commandView, 'the command'), 400: problem('malformed id'), 404: problem('not_found') },
  },
  {
    method: 'post',
    path: '/v1/commands/{commandId}/replay',
    summary: 'Re-run a finished command as a new, linked command',
    request: { params: commandIdParams, headers: submitHeaders, body: { content: { 'application/json': { schema: commandReplayBodySchema } } } },
    responses: {
      202: json(commandView, 'the new command (replayOf links it)'),
      200: json(commandView, 'repeat of an Idempotency-Key'),
      400: problem('invalid_request'),
      403: problem('replay_disabled (RUNTIME_REPLAY_ENABLED=false)'),
      404: problem('not_found'),
      409: problem('command_not_finished, with status'),
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/dead-letters',
    summary: 'List dead letters (keyset paging)',
    request: { query: deadLetterListQuerySchema },
    responses: { 200: json(z.object({ items: z.array(deadLetterView), nextCursor: z.string().nullable() }), 'a page'), 400: problem('invalid_request') },
  },
  {
    method: 'get',
    path: '/admin/runtime/dead-letters/{commandId}',
    summary: 'One dead letter, its attempts and its audit trail',
    request: { params: commandIdParams },
    responses: { 200: json(deadLetterView, 'the dead letter'), 400: problem('malformed id'), 404: problem('not_found') },
  },
  {
    method: 'post',
    path: '/admin/runtime/dead-letters/replay',
    summary: 'Bulk replay by filter',
    request: { headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: deadLetterBulkReplayBodySchema } } } },
    responses: {
      202: json(z.object({ jobId: z.uuid(), requested: z.number().int(), failed: z.array(z.unknown()) }).catchall(z.unknown()), 'the job and what could not be started'),
      400: problem('invalid_request (a missing X-Actor is header:X-Actor)'),
      403: problem('replay_disabled'),
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/replay-jobs/{jobId}',
    summary: 'Where each item of a bulk replay stands',
    request: { params: z.object({ jobId: z.uuid() }) },
    responses: { 200: json(z.object({ summary: z.record(z.string(), z.number()), notCompleted: z.array(z.unknown()) }).catchall(z.unknown()), 'job status'), 404: problem('not_found') },
  },
  {
    method: 'post',
    path: '/admin/runtime/dead-letters/{commandId}/replay',
    summary: 'Replay one dead letter (optionally with an input patch)',
    request: { params: commandIdParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: deadLetterReplayBodySchema } } } },
    responses: {
      202: json(z.object({ outcome: z.enum(['signalled', 'started']), replayId: z.string() }).catchall(z.unknown()), 'signalled (parked) or started (expired: a new run)'),
      200: json(z.object({ outcome: z.literal('duplicate') }).catchall(z.unknown()), 'this replay id was seen before'),
      400: problem('invalid_request'),
      403: problem('replay_disabled'),
      404: problem('not_found'),
      409: problem('replaying, replayed or discarded: status says which'),
      503: problemRetry('temporal_unavailable: nothing was claimed, retry'),
    },
  },
  {
    method: 'post',
    path: '/admin/runtime/dead-letters/{commandId}/discard',
    summary: 'Discard a parked dead letter',
    request: { params: commandIdParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: deadLetterDiscardBodySchema } } } },
    responses: { 202: json(z.object({ commandId: z.uuid(), outcome: z.literal('signalled') }), 'signalled'), 400: problem('invalid_request'), 403: problem('replay_disabled'), 404: problem('not_found'), 409: problem('not parked') },
  },
  {
    method: 'get',
    path: '/admin/runtime/events',
    summary: 'Lifecycle events over SSE',
    request: { query: eventsQuerySchema, headers: z.object({ 'Last-Event-ID': z.string().optional().describe('resume after this event id') }) },
    responses: {
      200: { description: 'text/event-stream: id, event (type) and data (the event as JSON) per frame; `: heartbeat` comments', content: { 'text/event-stream': { schema: z.string() } } },
      400: problem('invalid_request (filter or Last-Event-ID)'),
      503: problemRetry('sse_disabled or events_unavailable'),
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/slo',
    summary: 'Service levels and alert states over a window',
    request: { query: sloQuerySchema },
    responses: { 200: json(z.object({ window: z.unknown(), slo: z.unknown(), alerts: z.array(z.unknown()), snapshot: z.unknown() }), 'SLIs and alerts'), 400: problem('invalid_request') },
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } } },
  { method: 'get', path: '/healthz', summary: 'Liveness', responses: { 200: json(z.object({ status: z.literal('ok') }), 'alive') } },
  { method: 'get', path: '/readyz', summary: 'Readiness (database reachable)', responses: { 200: json(z.object({ status: z.literal('ready'), runtimeEnabled: z.boolean() }), 'ready'), 500: problem('database unreachable') } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.object({}).catchall(z.unknown()) } } } } },
  { method: 'get', path: '/docs', summary: 'This document, browsable', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } } },
];

export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  for (const route of DOCUMENTED_ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'StartInsight Runtime API', version: '0.1.0', description: 'Agent commands on Temporal and OpenClaw. Every error body is {"error": {"code", "message", ...}}.' },
  });
}
