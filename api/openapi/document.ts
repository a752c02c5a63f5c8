import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { commandEnvelopeSchema, idempotencyKeySchema, traceparentSchema } from '../../runtime/command';
import { deadLetterBulkReplayBodySchema, deadLetterDiscardBodySchema, deadLetterListQuerySchema, deadLetterReplayBodySchema } from '../routes/admin-dead-letters';
import { eventsQuerySchema } from '../routes/admin-events';
import { scheduleBackfillBodySchema, scheduleNameSchema, schedulePauseBodySchema, scheduleSyncQuerySchema, scheduleTriggerBodySchema } from '../routes/admin-schedules';
import { legacyResultsBodySchema, parityQuerySchema } from '../routes/admin-shadow';
import { sloQuerySchema } from '../routes/admin-slo';
import { approvalBodySchema } from '../routes/command-approvals';
import { apiKeyCreateBodySchema, apiKeyIdSchema } from '../routes/admin-api-keys';
import { ROUTE_ACCESS } from '../auth/route-access';
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
const apiKeyView = z.object({ keyId: z.string(), name: z.string(), role: z.enum(['client', 'operator', 'admin']), tenantId: z.string().nullable(), createdBy: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() });
const actorHeaders = z.object({ traceparent: traceparentSchema.optional().describe('W3C trace context; its trace id goes into the audit row') });
const submitHeaders = z.object({
  'Idempotency-Key': idempotencyKeySchema.optional().describe('a repeat with the same body answers the same command (200)'),
  traceparent: traceparentSchema.optional().describe('W3C trace context; its trace id becomes the command trace id'),
});

/**
 * One complete request as a client would send it, and the status the API answers it with. Each
 * part lands in that part's `examples` map under the example's name (so Swagger UI offers it),
 * tagged with the status; the example test reassembles every named example and sends it.
 */
export interface RequestExample {
  summary: string;
  status: number;
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The extension field on each example part that names the status the whole request answers. */
export const EXPECTED_STATUS = 'x-expected-status';

export type DocumentedRoute = RouteConfig & { examples?: Record<string, RequestExample> };

// Fixed, so the examples are stable text; no command, dead letter or replay job has this id.
const scheduleParams = z.object({ name: scheduleNameSchema });
const scheduleView = z.object({ name: z.string(), scheduleId: z.string(), synced: z.boolean(), paused: z.boolean().nullable(), nextRunTimes: z.array(z.string()), skippedOverlap: z.number().int() }).catchall(z.unknown());
const UNKNOWN_ID = '6f1c2a4e-3b5d-4e7f-9a8b-0c1d2e3f4a5b';

/** Every route the API serves, as documented; the route-coverage test compares it with the app. */
export const DOCUMENTED_ROUTES: DocumentedRoute[] = [
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
    examples: {
      research: {
        summary: 'a research question, with an idempotency key and trace context',
        status: 202,
        headers: { 'Idempotency-Key': 'docs-example-research-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        body: { agentFamily: 'research', action: 'investigate', input: { question: 'Who buys heat pumps in DACH?', depth: 'brief' } },
      },
      invalid: {
        summary: 'an unknown action and a missing input field: every problem in one answer',
        status: 400,
        body: { agentFamily: 'market_insight', action: 'forecast', input: { region: 'DACH' } },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/commands/{commandId}',
    summary: 'A command, its result and every attempt',
    request: { params: commandIdParams },
    responses: { 200: json(commandView, 'the command'), 400: problem('malformed id'), 404: problem('not_found') },
    examples: {
      unknown: { summary: 'an id no command has', status: 404, params: { commandId: UNKNOWN_ID } },
      malformed: { summary: 'not a UUID', status: 400, params: { commandId: 'not-a-uuid' } },
    },
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
    examples: {
      unknown: {
        summary: 're-run with a new input (here of a command that does not exist)',
        status: 404,
        params: { commandId: UNKNOWN_ID },
        headers: { 'Idempotency-Key': 'docs-example-rerun-1' },
        body: { input: { question: 'Who buys heat pumps in DACH?', depth: 'deep' }, reason: 'the brief answer was too shallow' },
      },
      invalid: { summary: 'an input that is not an object', status: 400, params: { commandId: UNKNOWN_ID }, body: { input: 'deeper, please' } },
    },
  },
  {
    method: 'post',
    path: '/v1/commands/{commandId}/approvals',
    summary: 'Answer an approval step of a running pipeline command (once per step)',
    request: { params: commandIdParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: approvalBodySchema } } } },
    responses: {
      202: json(z.object({ commandId: z.string(), step: z.string(), decision: z.enum(['approve', 'reject']), actor: z.string() }), 'signalled to the workflow'),
      400: problem('invalid_request (unknown step)'),
      404: problem('not_found'),
      409: problem('not_a_pipeline, command_not_running (with status) or approval_already_given'),
    },
    examples: {
      unknown: { summary: 'approve the review step (here of a command that does not exist)', status: 404, params: { commandId: UNKNOWN_ID }, body: { step: 'review', decision: 'approve', note: 'findings are solid' } },
      invalid: { summary: 'a decision that is neither approve nor reject', status: 400, params: { commandId: UNKNOWN_ID }, body: { step: 'review', decision: 'maybe' } },
    },
  },
  {
    method: 'get',
    path: '/v1/commands/{commandId}/state',
    summary: 'Live state of a running pipeline command (Temporal query): current step, each step, cost, memory reference',
    request: { params: commandIdParams },
    responses: { 200: json(z.object({ commandId: z.string(), pipeline: z.string(), status: z.string(), currentStep: z.string().nullable(), steps: z.record(z.string(), z.object({ status: z.string(), attempts: z.number(), costUsd: z.number() })), costUsd: z.number(), memory: z.object({ version: z.number(), contentHash: z.string(), sizeBytes: z.number() }).nullable() }), 'the state'), 400: problem('malformed id'), 404: problem('not_found'), 409: problem('not_a_pipeline or command_not_running') },
    examples: { unknown: { summary: 'an id no command has', status: 404, params: { commandId: UNKNOWN_ID } } },
  },
  {
    method: 'get',
    path: '/admin/runtime/dead-letters',
    summary: 'List dead letters (keyset paging)',
    request: { query: deadLetterListQuerySchema },
    responses: { 200: json(z.object({ items: z.array(deadLetterView), nextCursor: z.string().nullable() }), 'a page'), 400: problem('invalid_request') },
    examples: {
      parked: { summary: 'parked research dead letters, 20 a page', status: 200, query: { status: 'parked', agentFamily: 'research', limit: 20 } },
      invalid: { summary: 'a page size out of range', status: 400, query: { limit: 0 } },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/dead-letters/{commandId}',
    summary: 'One dead letter, its attempts and its audit trail',
    request: { params: commandIdParams },
    responses: { 200: json(deadLetterView, 'the dead letter'), 400: problem('malformed id'), 404: problem('not_found') },
    examples: { unknown: { summary: 'an id no dead letter has', status: 404, params: { commandId: UNKNOWN_ID } } },
  },
  {
    method: 'post',
    path: '/admin/runtime/dead-letters/replay',
    summary: 'Bulk replay by filter',
    request: { headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: deadLetterBulkReplayBodySchema } } } },
    responses: {
      202: json(z.object({ jobId: z.uuid(), requested: z.number().int(), failed: z.array(z.unknown()) }).catchall(z.unknown()), 'the job and what could not be started'),
      400: problem('invalid_request'),
      403: problem('replay_disabled'),
    },
    examples: {
      outage: {
        summary: 'everything an outage window parked (here one long past: nothing matches)',
        status: 202,
        body: { filter: { errorClass: 'provider_unavailable', from: '2025-03-14T09:00:00Z', to: '2025-03-14T11:00:00Z' }, reason: 'provider outage resolved', limit: 50 },
      },
      oversized: { summary: 'more than 500 at once', status: 400, body: { filter: { errorClass: 'provider_unavailable' }, reason: 'provider outage resolved', limit: 5000 } },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/replay-jobs/{jobId}',
    summary: 'Where each item of a bulk replay stands',
    request: { params: z.object({ jobId: z.uuid() }) },
    responses: { 200: json(z.object({ summary: z.record(z.string(), z.number()), notCompleted: z.array(z.unknown()) }).catchall(z.unknown()), 'job status'), 404: problem('not_found') },
    examples: { unknown: { summary: 'an id no replay job has', status: 404, params: { jobId: UNKNOWN_ID } } },
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
    examples: {
      unknown: {
        summary: 'replay with an input patch (here of a dead letter that does not exist)',
        status: 404,
        params: { commandId: UNKNOWN_ID },
       
        body: { reason: 'provider fixed', replayId: 'docs-example-replay-1', inputPatch: { depth: 'brief' } },
      },
      unexplained: { summary: 'no reason given', status: 400, params: { commandId: UNKNOWN_ID }, body: {} },
    },
  },
  {
    method: 'post',
    path: '/admin/runtime/dead-letters/{commandId}/discard',
    summary: 'Discard a parked dead letter',
    request: { params: commandIdParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: deadLetterDiscardBodySchema } } } },
    responses: { 202: json(z.object({ commandId: z.uuid(), outcome: z.literal('signalled') }), 'signalled'), 400: problem('invalid_request'), 403: problem('replay_disabled'), 404: problem('not_found'), 409: problem('not parked') },
    examples: {
      unknown: { summary: 'discard (here a dead letter that does not exist)', status: 404, params: { commandId: UNKNOWN_ID }, body: { reason: 'obsolete: the market was dropped' } },
    },
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
    examples: {
      follow: { summary: "one command's terminal events, from the oldest retained", status: 200, query: { commandId: UNKNOWN_ID, type: 'command.succeeded,command.failed,command.dead_lettered', since: '0' } },
      bad_resume: { summary: 'a Last-Event-ID this stream never sent', status: 400, headers: { 'Last-Event-ID': 'yesterday' } },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/schedules',
    summary: 'Schedules declared in agent_configurations, with next and last runs and skipped firings from Temporal',
    responses: { 200: json(z.object({ items: z.array(scheduleView) }), 'every schedule row') },
  },
  {
    method: 'get',
    path: '/admin/runtime/schedules/{name}',
    summary: 'One schedule',
    request: { params: scheduleParams },
    responses: { 200: json(scheduleView, 'the schedule'), 400: problem('malformed name'), 404: problem('not_found') },
    examples: { unknown: { summary: 'a name no row has', status: 404, params: { name: 'no-such-schedule' } } },
  },
  {
    method: 'post',
    path: '/admin/runtime/schedules/sync',
    summary: 'Make Temporal match agent_configurations (dryRun=true: only the plan)',
    request: { headers: actorHeaders, query: scheduleSyncQuerySchema },
    responses: { 200: json(z.object({ dryRun: z.boolean(), created: z.array(z.string()), updated: z.array(z.string()), paused: z.array(z.string()), unpaused: z.array(z.string()), deleted: z.array(z.string()), unchanged: z.array(z.string()), invalid: z.array(z.object({ name: z.string(), problems: z.array(z.string()) })) }), 'what was (or would be) done'), 400: problem('invalid_request') },
    examples: { plan: { summary: 'show the plan without applying it', status: 200, query: { dryRun: 'true' } }, invalid: { summary: 'dryRun must be true or false', status: 400, query: { dryRun: 'yes' } } },
  },
  ...(['pause', 'unpause'] as const).map((verb) => ({
    method: 'post' as const,
    path: `/admin/runtime/schedules/{name}/${verb}`,
    summary: `${verb === 'pause' ? 'Pause' : 'Unpause'} a schedule with a note (audited)`,
    request: { params: scheduleParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: schedulePauseBodySchema } } } },
    responses: { 200: json(scheduleView, 'the schedule now'), 400: problem('invalid_request'), 404: problem('not_found'), 409: problem('schedule_not_synced') },
    examples: {
      unknown: { summary: `${verb} (here a schedule that does not exist)`, status: 404, params: { name: 'no-such-schedule' }, body: { note: 'provider maintenance window' } },
      invalid: { summary: 'a note is required', status: 400, params: { name: 'trend-refresh-hourly' }, body: {} },
    },
  })),
  {
    method: 'post',
    path: '/admin/runtime/schedules/{name}/trigger',
    summary: 'Fire a schedule now (audited)',
    request: { params: scheduleParams, headers: actorHeaders, body: { content: { 'application/json': { schema: scheduleTriggerBodySchema } } } },
    responses: { 202: json(z.object({ name: z.string(), triggered: z.literal(true) }), 'fired'), 400: problem('invalid_request'), 404: problem('not_found'), 409: problem('schedule_not_synced') },
    examples: {
      unknown: { summary: 'fire now (here a schedule that does not exist)', status: 404, params: { name: 'no-such-schedule' }, body: { overlap: 'ALLOW_ALL' } },
      invalid: { summary: 'an unknown overlap policy', status: 400, params: { name: 'trend-refresh-hourly' }, body: { overlap: 'SOMETIMES' } },
    },
  },
  {
    method: 'post',
    path: '/admin/runtime/schedules/{name}/backfill',
    summary: 'Run the firings a window of time would have had (at most 31 days; audited)',
    request: { params: scheduleParams, headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: scheduleBackfillBodySchema } } } },
    responses: { 202: json(z.object({ name: z.string(), start: z.string(), end: z.string() }), 'backfill started'), 400: problem('invalid_request (invalid_window)'), 404: problem('not_found'), 409: problem('schedule_not_synced') },
    examples: {
      unknown: { summary: 'backfill a day (here of a schedule that does not exist)', status: 404, params: { name: 'no-such-schedule' }, body: { start: '2026-11-30T00:00:00Z', end: '2026-12-01T00:00:00Z', overlap: 'ALLOW_ALL' } },
      invalid: { summary: 'an end before the start', status: 400, params: { name: 'no-such-schedule' }, body: { start: '2026-12-01T00:00:00Z', end: '2026-11-30T00:00:00Z' } },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/slo',
    summary: 'Service levels and alert states over a window',
    request: { query: sloQuerySchema },
    responses: { 200: json(z.object({ window: z.unknown(), slo: z.unknown(), alerts: z.array(z.unknown()), snapshot: z.unknown() }), 'SLIs and alerts'), 400: problem('invalid_request') },
    examples: {
      last_hour: { summary: 'the last hour', status: 200, query: { windowMinutes: 60 } },
      invalid: { summary: 'a window out of range', status: 400, query: { windowMinutes: 0 } },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/api-keys',
    summary: 'Service API keys (never their secrets)',
    responses: { 200: json(z.object({ items: z.array(apiKeyView) }), 'every key, revoked ones too') },
  },
  {
    method: 'post',
    path: '/admin/runtime/api-keys',
    summary: 'Create a service API key for a machine client (the key is in this answer only; audited)',
    request: { body: { required: true, content: { 'application/json': { schema: apiKeyCreateBodySchema } } } },
    responses: { 201: json(apiKeyView.extend({ key: z.string().describe('sik_<keyId>_<secret>: send as Authorization: Bearer <key>') }), 'the key, shown once'), 400: problem('invalid_request (a client key needs a tenantId)') },
    examples: {
      tenantless: { summary: 'a client key without a tenant', status: 400, body: { name: 'ingest bot', role: 'client' } },
    },
  },
  {
    method: 'post',
    path: '/admin/runtime/api-keys/{keyId}/revoke',
    summary: 'Revoke a key: it stops working at once (idempotent; audited)',
    request: { params: z.object({ keyId: apiKeyIdSchema }) },
    responses: { 200: json(apiKeyView, 'the revoked key'), 400: problem('malformed key id'), 404: problem('not_found') },
    examples: {
      unknown: { summary: 'a key id no key has', status: 404, params: { keyId: '000000000000' } },
      malformed: { summary: 'not a key id', status: 400, params: { keyId: 'sik_full_key' } },
    },
  },
  {
    method: 'post',
    path: '/admin/runtime/shadow/legacy-results',
    summary: 'Record legacy (V1) results for shadow parity: one or an array; idempotent per correlationKey (the command\'s Idempotency-Key)',
    request: { headers: actorHeaders, body: { required: true, content: { 'application/json': { schema: legacyResultsBodySchema } } } },
    responses: {
      201: json(z.object({ created: z.number().int(), unchanged: z.number().int(), results: z.array(z.object({ correlationKey: z.string(), outcome: z.enum(['created', 'unchanged']) })) }), 'at least one result was new'),
      200: json(z.object({ created: z.literal(0), unchanged: z.number().int(), results: z.array(z.unknown()) }), 'every result was recorded before with the same content'),
      400: problem('invalid_request (fields; duplicate_key within one request)'),
      409: problem('legacy_result_conflict: a correlationKey holds a different result (conflicts names the fields); nothing was recorded'),
    },
    examples: {
      invalid: {
        summary: 'a status the comparator does not know and no finishedAt',
        status: 400,
        body: { correlationKey: 'order-4711', agentFamily: 'research', action: 'investigate', status: 'maybe', output: { summary: 'Heat pumps: installers and landlords' } },
      },
    },
  },
  {
    method: 'get',
    path: '/admin/runtime/shadow/parity',
    summary: 'Shadow parity per agent family: matched, mismatched (with reasons), missing on either side, parity rate against the threshold',
    request: { query: parityQuerySchema },
    responses: {
      200: json(z.object({ ok: z.boolean(), threshold: z.number(), families: z.array(z.object({ agentFamily: z.string(), parityRate: z.number().nullable(), ok: z.boolean() }).catchall(z.unknown())), totals: z.unknown(), window: z.unknown() }).catchall(z.unknown()), 'the report'),
      400: problem('invalid_request'),
    },
    examples: {
      research: { summary: 'research since the start of December', status: 200, query: { agentFamily: 'research', since: '2026-12-01T00:00:00Z' } },
      invalid: { summary: 'an unknown agent family', status: 400, query: { agentFamily: 'astrology' } },
    },
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } } },
  { method: 'get', path: '/healthz', summary: 'Liveness', responses: { 200: json(z.object({ status: z.literal('ok') }), 'alive') } },
  { method: 'get', path: '/readyz', summary: 'Readiness (database reachable)', responses: { 200: json(z.object({ status: z.literal('ready'), runtimeEnabled: z.boolean() }), 'ready'), 500: problem('database unreachable') } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.object({}).catchall(z.unknown()) } } } } },
  { method: 'get', path: '/docs', summary: 'This document, browsable', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } } },
];

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;
type Operation = NonNullable<NonNullable<NonNullable<OpenApiDocument['paths']>[string]>['get']>;

const PARAMETER_PARTS = { path: 'params', query: 'query', header: 'headers' } as const;

/**
 * Spreads a route's named examples over its operation's parameters and body. A part naming a
 * parameter the operation does not have throws, so an example cannot silently lose a part.
 */
function attachExamples(operation: Operation, route: DocumentedRoute): void {
  const where = `${route.method.toUpperCase()} ${route.path}`;
  for (const [name, example] of Object.entries(route.examples ?? {})) {
    const exampleObject = (value: unknown) => ({ summary: `${example.summary} (${example.status})`, value, [EXPECTED_STATUS]: example.status });
    for (const [location, part] of Object.entries(PARAMETER_PARTS)) {
      for (const [parameterName, value] of Object.entries(example[part] ?? {})) {
        const parameter = operation.parameters?.find((p) => !('$ref' in p) && p.in === location && p.name === parameterName);
        if (!parameter || '$ref' in parameter) throw new Error(`${where} example ${name}: no ${location} parameter ${parameterName}`);
        parameter.examples = { ...parameter.examples, [name]: exampleObject(value) };
      }
    }
    if (example.body === undefined) continue;
    const media = operation.requestBody && !('$ref' in operation.requestBody) ? operation.requestBody.content['application/json'] : undefined;
    if (!media) throw new Error(`${where} example ${name}: the operation takes no JSON body`);
    media.examples = { ...media.examples, [name]: exampleObject(example.body) };
  }
}

/** The extension field naming the least role an operation needs (public: none). */
export const REQUIRED_ROLE = 'x-required-role';

/** Security, the required role and the answers access control and abuse limits give, from api/auth/route-access.ts. */
function attachAccess(operation: Operation, key: string): void {
  const access = ROUTE_ACCESS[key];
  if (!access) throw new Error(`${key} has no entry in ROUTE_ACCESS (api/auth/route-access.ts)`);
  const extended = operation as Operation & Record<string, unknown>;
  extended[REQUIRED_ROLE] = access.role;
  const responses = operation.responses as Record<string, unknown>;
  if (access.role === 'public') {
    operation.security = [];
    return;
  }
  operation.security = [{ bearer: [] }];
  const add = (status: string, description: string, retry = false) => {
    const existing = responses[status] as { description?: string } | undefined;
    responses[status] = existing ? { ...existing, description: `${existing.description}; or ${description}` } : retry ? problemRetry(description) : problem(description);
  };
  add('401', 'unauthenticated: no, an expired or an unverifiable token (reason says which)');
  add('403', `forbidden: needs the ${access.role} role`);
  add('429', 'rate_limited: the IP or identity budget per minute is spent (Retry-After)', true);
  if (access.body !== 'none' && !responses['413']) add('413', `payload_too_large (${access.body === 'command' ? 'RUNTIME_MAX_INPUT_BYTES' : 'RUNTIME_MAX_ADMIN_BODY_BYTES'})`);
  if (access.body !== 'none' && !responses['400']) add('400', 'invalid_json or json_too_deep (RUNTIME_MAX_JSON_DEPTH)');
}

export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const { examples: _examples, ...route } of DOCUMENTED_ROUTES) registry.registerPath(route);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'StartInsight Runtime API', version: '0.1.0', description: 'Agent commands on Temporal and OpenClaw. Every error body is {"error": {"code", "message", ...}}.' },
  });
  document.components = { ...document.components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Supabase-issued JWT (HS256 or JWKS), or a service API key sik_<id>_<secret>' } } };
  for (const route of DOCUMENTED_ROUTES) {
    // `method` also admits OAS 3.2's `query`, which a 3.1 path item has no field for.
    const operation = (document.paths?.[route.path] as Record<string, Operation> | undefined)?.[route.method];
    if (!operation) continue;
    attachExamples(operation, route);
    attachAccess(operation, `${route.method.toUpperCase()} ${route.path}`);
  }
  return document;
}
