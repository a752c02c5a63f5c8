import { ApplicationFailure, Context } from '@temporalio/activity';
import { commandEvent, type CommandRef } from '../infra/events/command-event';
import type { EventPublisher } from '../infra/events/redis-event-publisher';
import type { Logger } from '../infra/logger';
import { AGENT_FAMILIES, type AgentFamily } from '../runtime/agents/registry';
import { NON_RETRYABLE_FAILURE_CLASSES, type FailureClass } from '../runtime/failures';
import { costUsd, priceFor, worstCaseCostUsd, type PriceTable } from '../runtime/pricing';
import type { OpenClawGatewayClient } from './openclaw/gateway-client';
import { classifyGatewayFailure } from './openclaw/failure-classification';
import { agentSessionKey } from './openclaw/protocol';
import type { AttemptMetrics } from './attempt-metrics';
import type { MemoryStore } from './memory/memory-store';
import type { MemoryRef } from '../runtime/memory';
import type { StepInputMapping } from '../runtime/pipelines/definition';
import { resolveStepInput } from '../runtime/pipelines/mapping';
import type { AttemptProjection } from './projections/attempt-projection';
import type { CommandLifecycle } from './command-lifecycle';
import { isDatabaseUnavailable } from '../persistence/prisma-client';

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
  /** The cost cap of the command and what it has spent; an attempt whose worst case would cross it is refused. */
  budget?: { capUsd: number; spentUsd: number };
  /** A pipeline step: its input is mapped from this memory snapshot (loaded here, never carried in history) instead of `input`. */
  step?: { id: string; memory: MemoryRef; input: StepInputMapping };
  /**
   * A revision-2 single command's run start, carried by its attempts instead of a local activity
   * (workflows/code-revision.ts): projected right after the attempt's own row.
   */
  runStart?: AttemptRunStart;
  /**
   * A revision-3 single command (workflows/code-revision.ts): a success projects the command's
   * outcome right after the attempt's own row, unless this worker is stopping.
   */
  projectOutcome?: boolean;
}

/** What the run-start projection needs beyond the attempt's own references. */
export interface AttemptRunStart {
  workflowType: string;
  taskQueue: string;
  replayId?: string;
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
  /** This attempt projected the command's outcome (`projectOutcome`), so the workflow doesn't. */
  outcomeProjected?: true;
}

export type AgentGateway = Pick<OpenClawGatewayClient, 'runAgent'>;

/** How attempts are priced: the price table (config) and the gateway's per-message prompt overhead. */
export interface AttemptPricing {
  table: PriceTable;
  promptOverheadTokens: number;
}

export interface ExecutorDeps {
  gateway: AgentGateway;
  pricing: AttemptPricing;
  memory: MemoryStore;
  attempts: AttemptProjection;
  lifecycle: CommandLifecycle;
  events: EventPublisher;
  metrics: AttemptMetrics;
  logger: Logger;
  /**
   * Whether this worker is stopping. A stopping worker leaves the outcome to the workflow's next
   * task, which another worker runs: after a rollback to the legacy path (RUNTIME_SHADOW_MODE on
   * the new workers), commands in flight must finish as shadow, not with this worker's authority.
   */
  draining: () => boolean;
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
    const modelRef = req.model ?? family.defaultModels.primary;
    const requested = splitModelRef(modelRef);
    const startedAt = new Date();
    // An earlier attempt of this round whose answer Temporal never got (see lostPredecessor):
    // re-attach to its gateway run instead of calling the model again.
    // Rounds may be a single attempt each (provider fallback), so look across round boundaries too.
    // The attempt's own database work waits out a PostgreSQL outage (see untilDatabaseAnswers).
    const db = <T>(op: () => Promise<T>) => untilDatabaseAnswers(ctx, log, op);
    const lost = attemptNumber > 1 ? await db(() => deps.attempts.lostPredecessor({ ...key, startedAt, step: req.step?.id ?? null, model: requested.model, sameActivity: ctx.info.attempt > 1 })) : null;
    const idempotencyKey = lost?.idempotencyKey ?? gatewayIdempotencyKey(req.commandId, attemptNumber);
    const attemptStart = {
      reattached: lost !== null,
      ...key,
      workflowId: req.workflowId,
      workflowRunId: req.workflowRunId,
      activityId: ctx.info.activityId,
      idempotencyKey,
      traceId: req.traceId,
      startedAt,
      ...requested,
      step: req.step?.id ?? null,
    };
    const ref = { commandId: req.commandId, workflowId: req.workflowId, traceId: req.traceId, agentFamily: req.agentFamily };
    // The run start in the attempt row's statement: one round trip, and no gap in the attempt
    // numbers if the worker is lost. Every attempt repeats it (idempotent): an earlier one may have
    // died before writing it.
    if (req.runStart) {
      const runStart = { ...ref, runId: req.workflowRunId, ...req.runStart };
      await db(() => deps.lifecycle.runStarted(runStart, deps.attempts.startRow(attemptStart)));
    } else {
      await db(() => deps.attempts.started(attemptStart));
    }
    log.info('agent attempt started', { agentFamily: req.agentFamily, action: req.action });
    await deps.events.publish(commandEvent('attempt.started', ref, { fact: attemptNumber, data: { attemptNumber, reattached: lost !== null } }));

    // Heartbeats keep a long gateway run alive under the profile's heartbeat timeout and are how
    // Temporal delivers cancellation to this activity.
    const heartbeatEvery = Math.max(1000, Math.floor((ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
    const timer = setInterval(() => ctx.heartbeat(), heartbeatEvery);
    let successReached = false;
    try {
      const raw = req.step ? resolveStepInput(req.step.input, await db(() => deps.memory.load(req.commandId, req.step!.memory.version))) : req.input;
      const input = family.inputSchema.parse(raw);
      const message = buildMessage(req, input as { scenario?: unknown }, family.prompt(req.action, input as never));
      if (req.budget) await refuseOverBudget(req.budget, worstCaseCostUsd(priceFor(requested.provider, requested.model, deps.pricing.table), estimatePromptTokens(message, deps.pricing)));
      const run = await deps.gateway.runAgent({
        agentId: family.gatewayAgentId,
        sessionKey: agentSessionKey(family.gatewayAgentId, idempotencyKey),
        message,
        idempotencyKey,
        // The runtime, not the gateway, picks the model of every attempt (provider fallback is
        // the policy's decision); the family's primary until the workflow asks for another.
        model: modelRef,
        timeoutMs: ctx.info.startToCloseTimeoutMs ?? 300_000,
        signal: ctx.cancellationSignal,
        onProgress: () => ctx.heartbeat(),
      });
      const durationMs = Date.now() - startedAt.getTime();
      // Usage already on the earlier row of the same gateway run is not counted twice.
      const counted = lost?.usageRecorded ? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } : run.usage;
      const cost = costUsd(priceFor(run.provider, run.model, deps.pricing.table), counted.input, counted.output);
      const usage = {
        provider: run.provider,
        model: run.model,
        gatewayRunId: run.runId,
        tokensIn: counted.input,
        tokensOut: counted.output,
        tokensCacheRead: counted.cacheRead,
        tokensCacheWrite: counted.cacheWrite,
        costUsd: cost,
        gatewayCostUsd: lost?.usageRecorded ? 0 : run.gatewayCostUsd,
      };
      const output = parseOutput(run.text, family.outputSchema);
      if (!output.ok) {
        await db(() => deps.attempts.failed({ ...key, errorClass: 'invalid_output', errorMessage: output.message, finishedAt: new Date(), durationMs }));
        await deps.events.publish(attemptFailed(ref, attemptNumber, 'invalid_output', output.message, durationMs));
        deps.metrics.observe({ agentFamily: req.agentFamily, outcome: 'failed', errorClass: 'invalid_output', durationMs });
        throw failure('invalid_output', output.message, { attemptNumber, costUsd: cost });
      }
      const success = { ...key, ...usage, finishedAt: new Date(), durationMs };
      const succeeded = commandEvent('attempt.succeeded', ref, {
        fact: attemptNumber,
        data: { attemptNumber, provider: run.provider, model: run.model, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: cost, durationMs },
      });
      // The command's outcome, ahead of the workflow, which accepts this result next. Where it
      // doesn't (its completion lost, the activity timed out meanwhile), the retry re-attaches to
      // this gateway run and projects the same result again; a failure after that is projected
      // over it by the workflow. One statement with the attempt's success, one round trip.
      const outcomeProjected = req.projectOutcome === true && !deps.draining();
      // From here an error is not the agent's (see the catch): the write is retried with the activity.
      successReached = true;
      if (outcomeProjected) {
        const outcome = { ...ref, runId: req.workflowRunId, outcome: 'succeeded' as const, output: output.value, attempt: { attemptNumber, durationMs } };
        await db(() => deps.lifecycle.outcome(outcome, { attemptNumber, success: deps.attempts.successRow(success), event: succeeded }));
      } else {
        await db(() => deps.attempts.succeeded(success));
        await deps.events.publish(succeeded);
      }
      deps.metrics.observe({ agentFamily: req.agentFamily, outcome: 'succeeded', provider: run.provider, durationMs, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: cost });
      log.info('agent attempt succeeded', { provider: run.provider, model: run.model, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: cost, durationMs });
      return {
        attemptNumber,
        output: output.value,
        provider: run.provider,
        model: run.model,
        gatewayRunId: run.runId,
        tokensIn: usage.tokensIn,
        tokensOut: usage.tokensOut,
        costUsd: cost,
        durationMs,
        ...(outcomeProjected ? { outcomeProjected: true as const } : {}),
      };
    } catch (err) {
      // An error while the success is recorded or after is not the agent's: the retry re-attaches
      // to the same gateway run (lostPredecessor), whether the row says succeeded or still running.
      if (err instanceof ApplicationFailure || successReached) throw err;
      const classified = classifyGatewayFailure(err);
      const durationMs = Date.now() - startedAt.getTime();
      await db(() => deps.attempts.failed({ ...key, errorClass: classified.errorClass, errorMessage: classified.message, finishedAt: new Date(), durationMs }));
      await deps.events.publish(attemptFailed(ref, attemptNumber, classified.errorClass, classified.message, durationMs));
      deps.metrics.observe({ agentFamily: req.agentFamily, outcome: 'failed', errorClass: classified.errorClass, durationMs });
      log.warn('agent attempt failed', { errorClass: classified.errorClass, error: classified.message, durationMs });
      throw failure(classified.errorClass, classified.message, { attemptNumber, costUsd: 0 }, classified.retryAfterMs);
    } finally {
      clearInterval(timer);
    }

    /** The cap check happens before the gateway is called: a refused attempt costs nothing. */
    async function refuseOverBudget(budget: { capUsd: number; spentUsd: number }, worstCaseUsd: number): Promise<void> {
      if (budget.spentUsd + worstCaseUsd <= budget.capUsd) return;
      const message = `attempt refused: its worst case of ${worstCaseUsd.toFixed(6)} USD on ${modelRef} would take the command from ${budget.spentUsd.toFixed(6)} USD past its cap of ${budget.capUsd} USD`;
      await db(() => deps.attempts.failed({ ...key, errorClass: 'budget_exceeded', errorMessage: message, finishedAt: new Date(), durationMs: Date.now() - startedAt.getTime() }));
      await deps.events.publish(
        commandEvent('budget.breached', ref, { fact: attemptNumber, data: { attemptNumber, capUsd: budget.capUsd, spentUsd: budget.spentUsd, worstCaseUsd, model: modelRef } }),
      );
      await deps.events.publish(attemptFailed(ref, attemptNumber, 'budget_exceeded', message, 0));
      deps.metrics.observe({ agentFamily: req.agentFamily, outcome: 'failed', errorClass: 'budget_exceeded', durationMs: 0 });
      log.warn('agent attempt refused over budget', { capUsd: budget.capUsd, spentUsd: budget.spentUsd, worstCaseUsd, model: modelRef });
      throw failure('budget_exceeded', message, { attemptNumber, costUsd: 0 });
    }
  };
}

/**
 * Runs one of the attempt's database operations, waiting (and heartbeating) while PostgreSQL is
 * unreachable instead of failing the attempt: an outage would otherwise burn the command's retry
 * attempts in seconds (the retry backoff is shorter than a database restart) and dead-letter work
 * that is fine. The wait is bounded by the activity's start-to-close timeout; cancellation ends it.
 */
async function untilDatabaseAnswers<T>(ctx: Context, log: Logger, op: () => Promise<T>): Promise<T> {
  let since: number | undefined;
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 2_000)) {
    try {
      const value = await op();
      if (since !== undefined) log.info('database reachable again', { waitedMs: Date.now() - since });
      return value;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      if (since === undefined) {
        since = Date.now();
        log.warn('database unavailable: the attempt waits for it', { error: err instanceof Error ? err.message.split('\n').at(-1) : String(err) });
      }
      ctx.heartbeat();
      await ctx.sleep(waitMs);
    }
  }
}

/** The stand-in and most providers count about four characters a token; the gateway adds its own prompt. */
function estimatePromptTokens(message: string, pricing: AttemptPricing): number {
  return Math.ceil(message.length / 4) + pricing.promptOverheadTokens;
}

function splitModelRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf('/');
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}

function attemptFailed(ref: CommandRef, attemptNumber: number, errorClass: FailureClass, message: string, durationMs: number) {
  return commandEvent('attempt.failed', ref, { fact: attemptNumber, data: { attemptNumber, errorClass, errorMessage: message.slice(0, 500), durationMs } });
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
function buildMessage(req: ExecuteAgentAttemptInput, input: { scenario?: unknown }, prompt: string): string {
  const scenario = typeof input.scenario === 'string' ? ` [si-scenario:${input.scenario}]` : '';
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
