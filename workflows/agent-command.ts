import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RuntimeActivities } from '../activities';
import type { AgentAttemptResult, AttemptFailureDetails } from '../activities/execute-agent';
import type { AgentCommandWorkflowInput } from '../runtime/command';
import { DISCARD_SIGNAL, REPLAY_SIGNAL, discardSignalSchema, replaySignalSchema, type DiscardSignal, type ReplaySignal } from '../runtime/dead-letters';
import { isFailureClass, type FailureClass } from '../runtime/failures';
import { activityOptionsFor } from '../runtime/policy/activity-options';
import { evaluatePolicy, type PolicyDecision } from '../runtime/policy/evaluator';
import { getPolicyProfile, type PolicyProfile } from '../runtime/policy/profiles';
import { RUNTIME_STATUS, SEARCH_ATTRIBUTES } from '../runtime/search-attributes';

export interface AgentCommandWorkflowResult {
  commandId: string;
  status: 'succeeded' | 'discarded' | 'dead_lettered';
  output?: unknown;
  attempts: number;
}

/**
 * Version markers (patched()): histories recorded before a marker existed replay on the old path.
 * DEAD_LETTERS: failures go through the policy evaluator (rounds, dead letter, replay) instead
 * of failing the workflow at once.
 */
export const PATCHES = { DEAD_LETTERS: 'policy-evaluator-dead-letters-v1' } as const;

export const replaySignal = defineSignal<[ReplaySignal]>(REPLAY_SIGNAL);
export const discardSignal = defineSignal<[DiscardSignal]>(DISCARD_SIGNAL);

// Projections are idempotent upserts, so they may retry freely and quickly.
const projections = proxyActivities<RuntimeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

type RoundOutcome =
  | { ok: true; attempt: AgentAttemptResult }
  | { ok: false; errorClass: FailureClass; message: string; decision: Extract<PolicyDecision, { action: 'dead_letter' | 'fail' }> };

type Resolution = { kind: 'replay'; input: Record<string, unknown> } | { kind: 'discard'; discard: DiscardSignal } | { kind: 'expired' };

/**
 * One agent command: run attempts under the command's policy; on success project the result; when
 * the policy is exhausted, park as a dead letter until an admin replays or discards it (from the
 * API or the Temporal UI) or it expires. The workflow holds no I/O; everything goes through
 * activities, and every decision comes from the pure policy evaluator.
 */
export async function agentCommandWorkflow(command: AgentCommandWorkflowInput): Promise<AgentCommandWorkflowResult> {
  const info = workflowInfo();
  const run = { commandId: command.commandId, workflowId: info.workflowId, runId: info.runId, traceId: command.traceId, agentFamily: command.agentFamily };
  const policy: PolicyProfile = command.policy ?? getPolicyProfile(command.policyProfile);
  let input = command.input;
  let lastAttempt = command.attemptBase ?? 0;
  let roundStart = lastAttempt;
  let costUsd = 0;
  let parked = false;
  const queuedReplays: ReplaySignal[] = [];
  let discardRequest: DiscardSignal | undefined;
  const strayReplays: { replayId: string; actor: string; reason: string }[] = [];

  // Signals are validated here too: the Temporal UI sends whatever an admin pastes.
  setHandler(replaySignal, (payload) => {
    const parsed = replaySignalSchema.safeParse(payload);
    if (!parsed.success) {
      log.warn('replay signal ignored: invalid payload', { ...run, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    if (parked) queuedReplays.push(parsed.data);
    else strayReplays.push({ replayId: parsed.data.replayId ?? uuid4(), actor: parsed.data.actor, reason: parsed.data.reason });
  });
  setHandler(discardSignal, (payload) => {
    const parsed = discardSignalSchema.safeParse(payload);
    if (!parsed.success) {
      log.warn('discard signal ignored: invalid payload', { ...run });
      return;
    }
    if (parked) discardRequest ??= parsed.data;
  });

  setRuntimeStatus(RUNTIME_STATUS.running);
  await projections.recordRunStarted({ ...run, workflowType: info.workflowType, taskQueue: info.taskQueue, ...(command.replayId ? { replayId: command.replayId } : {}) });
  let replayed = command.replayId !== undefined;

  for (;;) {
    const outcome = await runRounds();
    if (outcome.ok) {
      await projections.recordCommandOutcome({ ...run, outcome: 'succeeded', output: outcome.attempt.output, attempt: outcome.attempt });
      if (replayed) await projections.recordReplaySucceeded(run);
      setRuntimeStatus(RUNTIME_STATUS.succeeded);
      return { commandId: command.commandId, status: 'succeeded', output: outcome.attempt.output, attempts: lastAttempt };
    }
    if (outcome.decision.action === 'fail') {
      await projections.recordCommandOutcome({ ...run, outcome: 'failed', errorClass: outcome.errorClass, errorMessage: outcome.message });
      setRuntimeStatus(RUNTIME_STATUS.failed);
      throw ApplicationFailure.create({ type: outcome.errorClass, message: outcome.message, nonRetryable: true });
    }

    await projections.recordDeadLetter({ ...run, errorClass: outcome.errorClass, errorMessage: `${outcome.message} (${outcome.decision.reason})`, attempts: lastAttempt, replayableForMs: policy.deadLetter.replayableForMs });
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.RuntimeStatus, value: RUNTIME_STATUS.deadLettered },
      { key: SEARCH_ATTRIBUTES.FailureClass, value: outcome.errorClass },
    ]);
    log.warn('command dead-lettered', { ...run, errorClass: outcome.errorClass, attempts: lastAttempt });

    const resolution = await waitForResolution();
    if (resolution.kind === 'expired') {
      await projections.recordDeadLetterExpired(run);
      return { commandId: command.commandId, status: 'dead_lettered', attempts: lastAttempt };
    }
    if (resolution.kind === 'discard') {
      await projections.recordDeadLetterDiscarded({ ...run, actor: resolution.discard.actor, reason: resolution.discard.reason });
      setRuntimeStatus(RUNTIME_STATUS.discarded);
      return { commandId: command.commandId, status: 'discarded', attempts: lastAttempt };
    }
    input = resolution.input;
    roundStart = lastAttempt;
    costUsd = 0;
    replayed = true;
    setRuntimeStatus(RUNTIME_STATUS.running);
  }

  /** Parked: the first of replay (accepted by the activity), discard or expiry wins. */
  async function waitForResolution(): Promise<Resolution> {
    parked = true;
    const deadline = Date.now() + policy.deadLetter.replayableForMs;
    try {
      for (;;) {
        await flushStrayReplays('arrived while the command was not parked');
        const remaining = deadline - Date.now();
        const woke = remaining > 0 && (await condition(() => discardRequest !== undefined || queuedReplays.length > 0, remaining));
        if (!woke) return { kind: 'expired' };
        if (discardRequest) return { kind: 'discard', discard: discardRequest };
        const next = queuedReplays.shift()!;
        const replay = { ...next, replayId: next.replayId ?? uuid4() };
        const verdict = await projections.recordReplayRequested({ ...run, replayId: replay.replayId, actor: replay.actor, reason: replay.reason, inputPatch: replay.inputPatch, input });
        if (!verdict.accepted) {
          log.warn('replay refused', { ...run, replayId: replay.replayId, reason: verdict.reason });
          continue;
        }
        // One replay in flight per dead letter: the others queued meanwhile are refused.
        strayReplays.push(...queuedReplays.splice(0).map((r) => ({ replayId: r.replayId ?? uuid4(), actor: r.actor, reason: r.reason })));
        await flushStrayReplays(`replay ${replay.replayId} was already in flight`);
        return { kind: 'replay', input: verdict.input };
      }
    } finally {
      parked = false;
    }
  }

  async function flushStrayReplays(why: string): Promise<void> {
    if (strayReplays.length === 0) return;
    await projections.recordReplaysIgnored({ ...run, replays: strayReplays.splice(0), why });
  }

  /** Attempts in rounds until success or until the evaluator says dead-letter or fail. */
  async function runRounds(): Promise<RoundOutcome> {
    let decision = evaluatePolicy(policy, null, { attempts: lastAttempt - roundStart, costUsd, fallbacksLeft: 0 });
    let lastFailure: { errorClass: FailureClass; message: string } = { errorClass: 'budget_exceeded', message: 'no attempt was allowed' };
    for (let round = 0; ; round++) {
      if (decision.action === 'dead_letter' || decision.action === 'fail') return { ok: false, ...lastFailure, decision };
      if (round > 0) await sleep(policy.retry.maximumIntervalMs);
      const base = activityOptionsFor(policy);
      const executor = proxyActivities<RuntimeActivities>({ ...base, retry: { ...base.retry, maximumAttempts: decision.maxAttempts } });
      try {
        const attempt = await executor.executeAgentAttempt({
          commandId: command.commandId,
          workflowId: info.workflowId,
          workflowRunId: info.runId,
          agentFamily: command.agentFamily,
          action: command.action,
          input,
          traceId: command.traceId,
          attemptBase: lastAttempt,
        });
        lastAttempt = attempt.attemptNumber;
        return { ok: true, attempt };
      } catch (err) {
        const failure = describeFailure(err);
        lastAttempt = failure.attemptNumber ?? lastAttempt + decision.maxAttempts;
        costUsd += failure.costUsd;
        lastFailure = failure;
        if (!patched(PATCHES.DEAD_LETTERS)) {
          // Before dead letters existed a failed round failed the command.
          return { ok: false, ...failure, decision: { action: 'fail', reason: 'recorded before dead letters' } };
        }
        decision = evaluatePolicy(policy, failure.errorClass, { attempts: lastAttempt - roundStart, costUsd, fallbacksLeft: 0 });
      }
    }
  }
}

function setRuntimeStatus(status: (typeof RUNTIME_STATUS)[keyof typeof RUNTIME_STATUS]): void {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.RuntimeStatus, value: status }]);
}

/**
 * The failure class travels as the ApplicationFailure type through Temporal's ActivityFailure
 * wrapper, with the attempt number and cost in its details; a timeout has neither.
 */
function describeFailure(err: unknown): { errorClass: FailureClass; message: string; attemptNumber?: number; costUsd: number } {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && isFailureClass(current.type)) {
      const details = current.details?.[0] as AttemptFailureDetails | undefined;
      return { errorClass: current.type, message: current.message, attemptNumber: details?.attemptNumber, costUsd: details?.costUsd ?? 0 };
    }
    if (current instanceof TimeoutFailure) return { errorClass: 'timeout', message: current.message, costUsd: 0 };
    current = (current as Error & { cause?: unknown }).cause;
  }
  const message = err instanceof ActivityFailure ? `${err.message}: ${err.cause?.message ?? ''}` : err instanceof Error ? err.message : String(err);
  return { errorClass: 'internal', message, costUsd: 0 };
}
