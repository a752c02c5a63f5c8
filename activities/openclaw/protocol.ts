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

// ---------------------------------------------------------------- handshake (protocol/handshake.md)

/** `connect.challenge` event payload, sent by the server before anything else. */
export const ConnectChallenge = z.looseObject({
  nonce: z.string(),
  ts: z.number().int().nonnegative(),
});

/** Client ids are a closed enum (GATEWAY_CLIENT_IDS); `gateway-client` + mode `backend` is the
 * trusted local backend path that may omit a device identity with the shared token. */
export type GatewayClientId = 'gateway-client' | 'cli' | 'test';

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

export const HelloOk = z.looseObject({
  type: z.literal('hello-ok'),
  protocol: z.number().int(),
  server: z.looseObject({ version: z.string(), connId: z.string() }),
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

/** `agent.wait {runId, timeoutMs}` -> `ok` | `timeout` (still running) | `error`. */
export const AgentWaitResponse = z.looseObject({
  runId: z.string().optional(),
  status: z.string(),
  error: z.unknown().optional(),
  stopReason: z.string().nullish(),
  terminalReply: z.looseObject({ text: z.string().nullish() }).nullish(),
  terminalReceipt: z
    .looseObject({
      effective: z.looseObject({ provider: z.string().nullish(), model: z.string().nullish() }).nullish(),
    })
    .nullish(),
  startedAt: z.number().nullish(),
  endedAt: z.number().nullish(),
});
export type AgentWaitResponse = z.infer<typeof AgentWaitResponse>;

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
