import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../infra/logger';
import { AGENT_FAMILIES, type AgentFamily } from '../runtime/agents/registry';
import { NON_RETRYABLE_FAILURE_CLASSES, type FailureClass } from '../runtime/failures';
import { costUsd, priceFor } from '../runtime/pricing';
import type { OpenClawGatewayClient } from './openclaw/gateway-client';
import { classifyGatewayFailure } from './openclaw/failure-classification';
import type { AttemptProjection } from './projections/attempt-projection';

export interface ExecuteAgentAttemptInput {
  commandId: string;
  workflowId: string;
  workflowRunId: string;
  agentFamily: AgentFamily;
  action: string;
  input: Record<string, unknown>;
  traceId: string;
  /** Attempts this command used before this round (earlier rounds, earlier runs); numbering continues from it. */
  attemptBase?: number;
  /** `<provider>/<model>` for this round; the family's primary model when absent. */
  model?: string;
}

/** Carried in the ApplicationFailure details, so the workflow knows what a failed round consumed. */
export interface AttemptFailureDetails {
  attemptNumber: number;
  costUsd: number;
}

export interface AgentAttemptResult {
  attemptNumber: number;
  output: unknown;
  provider: string | null;
  model: string | null;
  gatewayRunId: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  durationMs: number;
}

export type AgentGateway = Pick<OpenClawGatewayClient, 'runAgent'>;

export interface ExecutorDeps {
  gateway: AgentGateway;
  attempts: AttemptProjection;
  logger: Logger;
}

/**
 * Gateway idempotency key of one attempt. A Temporal retry is a new attempt with a new key;
 * a re-delivery of the same attempt reuses the key, so the gateway re-attaches to its run instead
 * of calling the model again.
 */
export function gatewayIdempotencyKey(commandId: string, attemptNumber: number): string {
  return `si-${commandId}-a${attemptNumber}`;
}

/** The executor: one agent attempt through the gateway, projected as one attempt row. */
export function createExecuteAgentAttempt(deps: ExecutorDeps) {
  return async function executeAgentAttempt(req: ExecuteAgentAttemptInput): Promise<AgentAttemptResult> {
    const ctx = Context.current();
    const attemptNumber = (req.attemptBase ?? 0) + ctx.info.attempt;
    const key = { commandId: req.commandId, attemptNumber };
    const log = deps.logger.child({ commandId: req.commandId, workflowId: req.workflowId, traceId: req.traceId, attemptNumber });
    const family = AGENT_FAMILIES[req.agentFamily];
    const startedAt = new Date();
    // An earlier attempt of this round that never recorded an outcome lost its answer (worker
    // died, activity timed out): re-attach to its gateway run instead of calling the model again.
    const lost = ctx.info.attempt > 1 ? await deps.attempts.lostPredecessor({ ...key, startedAt }) : null;
    const idempotencyKey = lost?.idempotencyKey ?? gatewayIdempotencyKey(req.commandId, attemptNumber);
    await deps.attempts.started({
      reattached: lost !== null,
      ...key,
      workflowId: req.workflowId,
      workflowRunId: req.workflowRunId,
      activityId: ctx.info.activityId,
      idempotencyKey,
      traceId: req.traceId,
      startedAt,
    });
    log.info('agent attempt started', { agentFamily: req.agentFamily, action: req.action });

    // Heartbeats keep a long gateway run alive under the profile's heartbeat timeout and are how
    // Temporal delivers cancellation to this activity.
    const heartbeatEvery = Math.max(1000, Math.floor((ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
    const timer = setInterval(() => ctx.heartbeat(), heartbeatEvery);
    try {
      const input = family.inputSchema.parse(req.input);
      const run = await deps.gateway.runAgent({
        agentId: family.gatewayAgentId,
        sessionKey: `agent:${family.gatewayAgentId}:${idempotencyKey}`,
        message: buildMessage(req, family.prompt(req.action, input as never)),
        idempotencyKey,
        // The runtime, not the gateway, picks the model of every attempt (provider fallback is
        // the policy's decision); the family's primary until the workflow asks for another.
        model: req.model ?? family.defaultModels.primary,
        timeoutMs: ctx.info.startToCloseTimeoutMs ?? 300_000,
        signal: ctx.cancellationSignal,
        onProgress: () => ctx.heartbeat(),
      });
      const durationMs = Date.now() - startedAt.getTime();
      const cost = costUsd(priceFor(run.provider, run.model), run.usage.input, run.usage.output);
      const usage = {
        provider: run.provider,
        model: run.model,
        gatewayRunId: run.runId,
        tokensIn: run.usage.input,
        tokensOut: run.usage.output,
        tokensCacheRead: run.usage.cacheRead,
        tokensCacheWrite: run.usage.cacheWrite,
        costUsd: cost,
        gatewayCostUsd: run.gatewayCostUsd,
      };
      const output = parseOutput(run.text, family.outputSchema);
      if (!output.ok) {
        await deps.attempts.failed({ ...key, errorClass: 'invalid_output', errorMessage: output.message, finishedAt: new Date(), durationMs });
        throw failure('invalid_output', output.message, { attemptNumber, costUsd: cost });
      }
      await deps.attempts.succeeded({ ...key, ...usage, finishedAt: new Date(), durationMs });
      log.info('agent attempt succeeded', { provider: run.provider, model: run.model, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: cost, durationMs });
      return { attemptNumber, output: output.value, provider: run.provider, model: run.model, gatewayRunId: run.runId, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: cost, durationMs };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      const classified = classifyGatewayFailure(err);
      const durationMs = Date.now() - startedAt.getTime();
      await deps.attempts.failed({ ...key, errorClass: classified.errorClass, errorMessage: classified.message, finishedAt: new Date(), durationMs });
      log.warn('agent attempt failed', { errorClass: classified.errorClass, error: classified.message, durationMs });
      throw failure(classified.errorClass, classified.message, { attemptNumber, costUsd: 0 }, classified.retryAfterMs);
    } finally {
      clearInterval(timer);
    }
  };
}

function failure(errorClass: FailureClass, message: string, details: AttemptFailureDetails, retryAfterMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: errorClass,
    message,
    details: [details],
    nonRetryable: NON_RETRYABLE_FAILURE_CLASSES.includes(errorClass),
    nextRetryDelay: retryAfterMs,
  });
}

/**
 * The correlation tag lets the gateway's logs and the provider side (the stand-in in tests) tie a
 * model call to its command; it carries no instruction.
 */
function buildMessage(req: ExecuteAgentAttemptInput, prompt: string): string {
  const scenario = typeof req.input.scenario === 'string' ? ` [si-scenario:${req.input.scenario}]` : '';
  return `[si-command:${req.commandId}]${scenario}\n${prompt}`;
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseOutput(text: string, schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { message: string } } }): Parsed {
  // Models often wrap JSON in a code fence; accept that, nothing looser.
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, message: `agent output is not JSON: ${text.slice(0, 200)}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: `agent output fails its schema: ${parsed.error?.message.slice(0, 500)}` };
}
