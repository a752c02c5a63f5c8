/**
 * OpenClaw gateway wire protocol v4: the frames and payloads this adapter relies on.
 *
 * Checked against openclaw 2026.9.6 (see README.md in this folder for the doc and schema paths).
 * Server payloads are parsed with zod "loose" objects: unknown fields are tolerated (the gateway
 * adds fields within a protocol version), but every field the adapter reads is validated, so a
 * shape change in an upgrade fails loudly as a `protocol` GatewayError instead of silently.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 4;

// ---------------------------------------------------------------- envelopes (schema/frames.ts)

/** Client -> server. */
export interface RequestFrame {
  type: 'req';
  id: string;
  method: string;
  params?: unknown;
}

/** ErrorShapeSchema: `{ code, message, details?, retryable?, retryAfterMs? }`. */
export const ErrorShape = z.looseObject({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  retryable: z.boolean().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

export const ResponseFrame = z.looseObject({
  type: z.literal('res'),
  id: z.string(),
  ok: z.boolean(),
  payload: z.unknown().optional(),
  error: ErrorShape.optional(),
});
export type ResponseFrame = z.infer<typeof ResponseFrame>;

export const EventFrame = z.looseObject({
  type: z.literal('event'),
  event: z.string(),
  payload: z.unknown().optional(),
  seq: z.number().int().optional(),
});
export type EventFrame = z.infer<typeof EventFrame>;

export const ServerFrame = z.discriminatedUnion('type', [ResponseFrame, EventFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** An event frame, told from a parsed but unchecked message. */
export function isEventFrame(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'event';
}

// ---------------------------------------------------------------- handshake (protocol/handshake.md)

/** `connect.challenge` event payload, sent by the server before anything else. */
export const ConnectChallenge = z.looseObject({
  nonce: z.string(),
  ts: z.number().int().nonnegative(),
});

/** Client ids are a closed enum (GATEWAY_CLIENT_IDS); `gateway-client` + mode `backend` is the
 * trusted local backend path that may omit a device identity with the shared token. */
export type GatewayClientId = 'gateway-client' | 'cli' | 'test';

/** The adapter's client id: the trusted backend path above. */
export const ADAPTER_CLIENT_ID: GatewayClientId = 'gateway-client';

/**
 * Capabilities the adapter declares on connect. `session-scoped-events`: the gateway sends the
 * session events (`agent`, `chat`, `chat.side_result`, `session.observer`, `session.tool`) only for
 * sessions the connection subscribed to, and the adapter subscribes to none: it follows a run with
 * `agent.wait` and the `agent` request's late answer. Without it every operator connection gets
 * every run's stream, ~17 frames (12 KiB) per run with 2026.9.6, which the gateway serializes and
 * the worker parses for nothing, on the cores the gateway runs on (bench/README.md, "Sixth pass").
 */
export const CLIENT_CAPS: readonly string[] = ['session-scoped-events'];

export interface ConnectParams {
  minProtocol: number;
  maxProtocol: number;
  client: { id: string; displayName?: string; version: string; platform: string; mode: 'backend' };
  role: 'operator';
  scopes: string[];
  caps: string[];
  auth: { token: string };
  userAgent?: string;
}

/**
 * The connect params of an operator connection on the trusted backend path with the shared token:
 * the adapter's, and the contract tests' raw connections, which must see what the adapter's sees.
 */
export function operatorConnectParams(p: { clientId: string; version: string; token: string; caps?: readonly string[] }): ConnectParams {
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: { id: p.clientId, displayName: 'StartInsight Runtime', version: p.version, platform: process.platform, mode: 'backend' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write'],
    caps: [...(p.caps ?? CLIENT_CAPS)],
    auth: { token: p.token },
    userAgent: `startinsight-runtime/${p.version}`,
  };
}

export const HelloOk = z.looseObject({
  type: z.literal('hello-ok'),
  protocol: z.number().int(),
  /** `bootId` is new on every gateway process start (observed with 2026.9.6; optional in the schema). */
  server: z.looseObject({ version: z.string(), connId: z.string(), bootId: z.string().optional() }),
  auth: z.looseObject({ role: z.string(), scopes: z.array(z.string()) }).optional(),
  policy: z.looseObject({ maxPayload: z.number(), tickIntervalMs: z.number() }).optional(),
});
export type HelloOk = z.infer<typeof HelloOk>;

// ---------------------------------------------------------------- agent runs (schema AgentParamsSchema etc.)

/** Subset of AgentParamsSchema (closed object on the server: never send unknown keys). */
export interface AgentParams {
  message: string;
  agentId?: string;
  sessionKey?: string;
  idempotencyKey: string;
}

export const AgentUsage = z.looseObject({
  input: z.number().optional(),
  output: z.number().optional(),
  cacheRead: z.number().optional(),
  cacheWrite: z.number().optional(),
  total: z.number().optional(),
  cost: z.looseObject({ total: z.number().optional() }).optional(),
});

export const AgentMeta = z.looseObject({
  provider: z.string().nullish(),
  model: z.string().nullish(),
  usage: AgentUsage.nullish(),
});

export const AgentResult = z.looseObject({
  payloads: z.array(z.looseObject({ text: z.string().nullish() })).nullish(),
  meta: z
    .looseObject({
      durationMs: z.number().nullish(),
      agentMeta: AgentMeta.nullish(),
    })
    .nullish(),
});
export type AgentResult = z.infer<typeof AgentResult>;

/**
 * Answers to `agent` (the same request id is answered twice for a new run: first `accepted`, then
 * the final `ok`/`error` with `result`). For a repeated idempotency key: `in_flight` while running,
 * the final answer once finished.
 */
export const AgentResponse = z.looseObject({
  runId: z.string(),
  status: z.string(),
  summary: z.string().nullish(),
  stopReason: z.string().nullish(),
  result: AgentResult.nullish(),
  error: z.unknown().optional(),
});
export type AgentResponse = z.infer<typeof AgentResponse>;

/**
 * `agent.wait {runId, timeoutMs}` -> `ok` | `timeout` | `error`. `timeout` WITHOUT `endedAt`/`error`
 * = still running (wait again); `timeout` WITH them = the gateway ended the run on a timeout
 * (e.g. provider idle timeout: `timeoutPhase: "provider"`). For an unknown runId (e.g. a run lost
 * in a gateway restart) 2026.9.6 answers plain `timeout` forever.
 */
export const AgentWaitResponse = z.looseObject({
  runId: z.string().optional(),
  status: z.string(),
  error: z.unknown().optional(),
  stopReason: z.string().nullish(),
  terminalReply: z.looseObject({ text: z.string().nullish() }).nullish(),
  terminalReceipt: z
    .looseObject({
      requested: z.looseObject({ provider: z.string().nullish(), model: z.string().nullish() }).nullish(),
      effective: z.looseObject({ provider: z.string().nullish(), model: z.string().nullish() }).nullish(),
    })
    .nullish(),
  /** With status `timeout`: `provider` when the gateway timed the provider out (the run has ended). */
  timeoutPhase: z.string().nullish(),
  startedAt: z.number().nullish(),
  endedAt: z.number().nullish(),
});
export type AgentWaitResponse = z.infer<typeof AgentWaitResponse>;

/**
 * Subset of SessionsPatchParamsSchema (closed object): `model` is a `<provider>/<modelId>` ref
 * (operator.write may set it). `null` would clear the override; this adapter never sends that.
 */
export interface SessionsPatchParams {
  key: string;
  agentId?: string;
  model?: string;
}

/** `sessions.patch` answer: `{ok, key, entry: {providerOverride, modelOverride, ...}, resolved: {modelProvider, model, ...}}`. */
export const SessionsPatchResponse = z.looseObject({
  ok: z.boolean().optional(),
  key: z.string().optional(),
  resolved: z.looseObject({ modelProvider: z.string().nullish(), model: z.string().nullish() }).nullish(),
});
export type SessionsPatchResponse = z.infer<typeof SessionsPatchResponse>;

/**
 * `agents.list` answer (operator.read), the part this adapter reads: each agent's EFFECTIVE model,
 * `primary` as `<provider>/<modelId>` and `fallbacks` as the run would use them (inherited from
 * `agents.defaults` where the agent has none; left out when empty).
 */
export const AgentsListResponse = z.looseObject({
  agents: z.array(
    z.looseObject({
      id: z.string(),
      model: z.looseObject({ primary: z.string().optional(), fallbacks: z.array(z.string()).optional() }).optional(),
    }),
  ),
});
export type AgentsListResponse = z.infer<typeof AgentsListResponse>;

/** `sessions.abort` (SessionsAbortParamsSchema): `key` and/or `runId`, optional `agentId`. */
export interface SessionsAbortParams {
  key?: string;
  runId?: string;
  agentId?: string;
}

/** Session keys the gateway routes to an agent: `agent:<agentId>:<name>`. */
export function agentSessionKey(agentId: string, name: string): string {
  return `agent:${agentId}:${name}`;
}
