import { condition, continueAsNew, defineQuery, defineSignal, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AgentAttemptResult } from '../activities/execute-agent';
import type { StepStatus } from '../activities/projections/step-projection';
import type { FailureClass } from '../runtime/failures';
import type { MemoryRef, MemoryWrites } from '../runtime/memory';
import type { ApprovalSignal, PipelineState, PipelineWorkflowInput } from '../runtime/pipelines/contract';
import { APPROVAL_SIGNAL, PIPELINE_STATE_QUERY } from '../runtime/workflow-messages';
import type { AgentStep, ApprovalStep, PipelineStep } from '../runtime/pipelines/definition';
import { lookup } from '../runtime/pipelines/mapping';
import type { PolicyDecision } from '../runtime/policy/evaluator';
import { getPolicyProfile, type PolicyProfile } from '../runtime/policy/profiles';
import { RUNTIME_STATUS } from '../runtime/search-attributes';
import type { AgentCommandWorkflowResult } from './agent-command';
import { runAgentRounds, type AttemptLedger } from './agent-rounds';
import { codeRevisionOf } from './code-revision';
import { closeFailed, closeSucceeded } from './command-closing';
import { DeadLetterParking, setRuntimeStatus } from './dead-letter-parking';
import { approvalSignalSchema } from './signal-schemas';
import { projections } from './projection-activities';

export const approvalSignal = defineSignal<[ApprovalSignal]>(APPROVAL_SIGNAL);
export const pipelineStateQuery = defineQuery<PipelineState>(PIPELINE_STATE_QUERY);

type StepResult =
  | { ok: true; writes: Record<string, unknown>; output: unknown; attempt?: AgentAttemptResult }
  | { ok: false; errorClass: FailureClass; message: string; decision: Extract<PolicyDecision, { action: 'dead_letter' | 'fail' }> };

/**
 * A multi-step command, declared as data (runtime/pipelines): steps in order, parallel groups,
 * approval waits. The run's memory lives in runtime_memory_snapshots and the workflow holds only
 * its reference; after each step a new version is written, so a replay or a restarted run resumes
 * from the last good snapshot instead of redoing finished steps. Attempts, fallback, cost cap and
 * dead letters work as for a single command, with the whole pipeline sharing one budget.
 */
export async function pipelineWorkflow(command: PipelineWorkflowInput): Promise<AgentCommandWorkflowResult> {
  const info = workflowInfo();
  const run = { commandId: command.commandId, workflowId: info.workflowId, runId: info.runId, traceId: command.traceId, agentFamily: command.agentFamily };
  const policy: PolicyProfile = command.policy ?? getPolicyProfile(command.policyProfile);
  const capUsd = Math.min(policy.costCapUsd, policy.retryBudget.maxCostUsd);
  const resume = command.resume;
  const base = command.attemptBase ?? 0;
  const ledger: AttemptLedger = resume ? { lastAttempt: resume.lastAttempt, roundStart: resume.roundStart, costUsd: resume.costUsd } : { lastAttempt: base, roundStart: base, costUsd: 0 };
  const revision = codeRevisionOf(command);
  const parking = new DeadLetterParking(run, policy, revision);
  const approvals = new Map<string, ApprovalSignal>();
  const state: PipelineState = { pipeline: command.pipeline.name, status: 'running', currentStep: null, steps: {}, costUsd: ledger.costUsd, memory: resume?.memory ?? null };
  for (const step of command.pipeline.steps) for (const s of step.kind === 'parallel' ? [step, ...step.steps] : [step]) state.steps[s.id] = { status: 'pending', attempts: 0, costUsd: 0 };

  const approvalSteps = new Set(command.pipeline.steps.filter((s) => s.kind === 'approval').map((s) => s.id));
  setHandler(approvalSignal, (payload) => {
    const parsed = approvalSignalSchema().safeParse(payload);
    if (!parsed.success || !approvalSteps.has(parsed.data.step) || approvals.has(parsed.data.step)) {
      log.warn('approval signal ignored', { ...run, reason: parsed.success ? `no undecided approval step ${parsed.data.step}` : 'invalid payload' });
      return;
    }
    approvals.set(parsed.data.step, parsed.data);
  });
  setHandler(pipelineStateQuery, () => state);

  let seq = 0;
  const transition = async (step: string, status: StepStatus, detail?: Record<string, unknown>) => {
    if (step in state.steps) state.steps[step]!.status = status as never;
    state.currentStep = status === 'running' || status === 'waiting_approval' ? step : null;
    await projections(revision).recordStepTransition({ ...run, seq: seq++, step, status, ...(detail ? { detail } : {}) });
  };

  if (revision.statusOnPlainPath) setRuntimeStatus(RUNTIME_STATUS.running);
  await projections(revision).recordRunStarted({ ...run, workflowType: info.workflowType, taskQueue: info.taskQueue, ...(command.replayId ? { replayId: command.replayId } : {}) });
  let replayed = resume?.replayed ?? command.replayId !== undefined;
  let input = command.input;
  const done = new Set(resume?.completedSteps ?? []);
  // A restarted command (a dead letter replayed after its workflow closed) resumes from its last
  // snapshot, with the replay's input as a new version on top.
  let memory: MemoryRef = resume?.memory ?? (command.attemptBase ? await snapshot('input', await restore(), { input }) : await snapshot('input', null, { input }));
  state.memory = memory;

  const firstOpen = command.pipeline.steps.findIndex((s) => !isDone(s));
  let lastOutput: unknown;
  let lastAttempt: AgentAttemptResult | undefined;
  for (let i = Math.max(firstOpen, 0); i < command.pipeline.steps.length; i++) {
    const step = command.pipeline.steps[i]!;
    if (isDone(step)) continue;
    const now = workflowInfo();
    if (i > firstOpen && (now.historyLength >= command.continueAsNewAfterEvents || now.continueAsNewSuggested)) {
      // Between steps only: the next run starts at this step from the memory reference.
      await projections(revision).recordRunContinued({ ...run, historyLength: now.historyLength });
      const { replayId: _replayId, ...rest } = command;
      return continueAsNew<typeof pipelineWorkflow>({ ...rest, resume: { memory, completedSteps: [...done], lastAttempt: ledger.lastAttempt, roundStart: ledger.roundStart, costUsd: ledger.costUsd, replayed } });
    }

    const result = step.kind === 'approval' ? await awaitApproval(step) : await runAgentSteps(step.kind === 'parallel' ? step.steps : [step], step.id);
    if (result.ok) {
      memory = await snapshot(step.id, memory, { steps: result.writes });
      state.memory = memory;
      for (const id of [step.id, ...Object.keys(result.writes)]) done.add(id);
      lastOutput = result.output;
      lastAttempt = result.attempt ?? lastAttempt;
      continue;
    }
    if (result.decision.action === 'fail') {
      state.status = 'failed';
      return closeFailed(run, result.errorClass, result.message, revision);
    }
    state.status = 'dead_lettered';
    const parked = await parking.park({ errorClass: result.errorClass, message: result.message, reason: result.decision.reason }, ledger.lastAttempt, input);
    if (parked.kind === 'closed') {
      state.status = parked.status === 'discarded' ? 'discarded' : 'dead_lettered';
      return { commandId: command.commandId, status: parked.status, attempts: ledger.lastAttempt };
    }
    state.status = 'running';
    replayed = true;
    // A replay grants a fresh budget; it resumes from the last good snapshot, with the replay's input.
    ledger.roundStart = ledger.lastAttempt;
    ledger.costUsd = 0;
    memory = await restore();
    if (JSON.stringify(parked.input) !== JSON.stringify(input)) {
      input = parked.input;
      memory = await snapshot('input', memory, { input });
    }
    i--;
  }

  state.status = 'succeeded';
  await closeSucceeded(run, lastOutput, { attemptNumber: ledger.lastAttempt, durationMs: lastAttempt?.durationMs ?? 0 }, replayed, revision);
  return { commandId: command.commandId, status: 'succeeded', output: lastOutput, attempts: ledger.lastAttempt };

  function isDone(step: PipelineStep): boolean {
    return done.has(step.id) || (step.kind === 'parallel' && step.steps.every((s) => done.has(s.id)));
  }

  async function snapshot(step: string, from: MemoryRef | null, writes: MemoryWrites): Promise<MemoryRef> {
    return projections(revision).snapshotMemory({ commandId: command.commandId, workflowId: info.workflowId, step, base: from, writes });
  }

  /** The last good snapshot (and the steps it holds): where a replayed or restarted run resumes. */
  async function restore(): Promise<MemoryRef> {
    const latest = await projections(revision).restoreMemory({ commandId: command.commandId });
    if (!latest) return snapshot('input', null, { input });
    for (const id of latest.completedSteps) done.add(id);
    return latest.ref;
  }

  /**
   * One agent step, or a parallel group: each branch gets its own attempt-number range and an
   * equal share of what is left of the budget, so the branches together never pass the cap.
   */
  async function runAgentSteps(steps: AgentStep[], groupId: string): Promise<StepResult> {
    const open = steps.filter((s) => !done.has(s.id));
    const span = Math.max(...open.map((s) => stepPolicy(s).deadLetter.thresholdAttempts));
    const share = (capUsd - ledger.costUsd) / open.length;
    if (open.length > 1) await transition(groupId, 'running', { branches: open.map((s) => s.id) });
    const results = await Promise.all(
      open.map(async (s, k) => {
        const own: AttemptLedger = { lastAttempt: ledger.lastAttempt + k * span, roundStart: ledger.lastAttempt + k * span, costUsd: ledger.costUsd };
        const stepCap = ledger.costUsd + share;
        const p = stepPolicy(s);
        await transition(s.id, 'running', { agentFamily: s.agentFamily, action: s.action });
        const outcome = await runAgentRounds(
          {
            commandId: command.commandId,
            workflowId: info.workflowId,
            workflowRunId: info.runId,
            agentFamily: s.agentFamily,
            action: s.action,
            input: {},
            traceId: command.traceId,
            step: { id: s.id, memory, input: s.input },
          },
          { ...p, costCapUsd: stepCap, retryBudget: { ...p.retryBudget, maxCostUsd: stepCap } },
          command.stepModels[s.id] ?? [],
          own,
          revision,
        );
        const spent = own.costUsd - ledger.costUsd;
        state.steps[s.id]!.attempts = own.lastAttempt - own.roundStart;
        state.steps[s.id]!.costUsd = spent;
        await transition(s.id, outcome.ok ? 'succeeded' : 'failed', { attempts: own.lastAttempt - own.roundStart, costUsd: spent, ...(outcome.ok ? { provider: outcome.attempt.provider, model: outcome.attempt.model } : { errorClass: outcome.errorClass }) });
        return { s, own, spent, outcome };
      }),
    );
    ledger.lastAttempt = Math.max(...results.map((r) => r.own.lastAttempt));
    ledger.costUsd += results.reduce((sum, r) => sum + r.spent, 0);
    state.costUsd = ledger.costUsd;
    const failed = results.find((r) => !r.outcome.ok);
    const writes = Object.fromEntries(results.filter((r) => r.outcome.ok).map((r) => [r.s.id, (r.outcome as { attempt: AgentAttemptResult }).attempt.output]));
    if (failed && !failed.outcome.ok) {
      // Branches that succeeded are kept: a replay runs only the failed ones.
      if (Object.keys(writes).length > 0) memory = await snapshot(groupId, memory, { steps: writes });
      for (const id of Object.keys(writes)) done.add(id);
      return { ok: false, errorClass: failed.outcome.errorClass, message: `step ${failed.s.id}: ${failed.outcome.message}`, decision: failed.outcome.decision };
    }
    if (open.length > 1) await transition(groupId, 'succeeded');
    const output = open.length === 1 ? writes[open[0]!.id] : writes;
    const attempt = results.map((r) => r.outcome).find((o): o is { ok: true; attempt: AgentAttemptResult } => o.ok)?.attempt;
    return { ok: true, writes, output, ...(attempt ? { attempt } : {}) };
  }

  function stepPolicy(s: AgentStep): PolicyProfile {
    return command.stepPolicies[s.id] ?? policy;
  }

  async function awaitApproval(step: ApprovalStep): Promise<StepResult> {
    const fromInput = step.timeoutFrom ? lookup({ input }, step.timeoutFrom) : undefined;
    const timeoutMs = typeof fromInput === 'number' && fromInput > 0 ? fromInput : step.timeoutMs;
    state.status = 'waiting_approval';
    await transition(step.id, 'waiting_approval', { question: step.question, timeoutMs });
    const answered = await condition(() => approvals.has(step.id), timeoutMs);
    state.status = 'running';
    const approval = approvals.get(step.id);
    if (!answered || !approval) {
      await transition(step.id, 'timed_out', { timeoutMs });
      return { ok: false, errorClass: 'approval_timeout', message: `step ${step.id}: nobody answered "${step.question}" within ${timeoutMs} ms`, decision: { action: 'fail', reason: 'approval timed out' } };
    }
    const detail = { actor: approval.actor, ...(approval.note ? { note: approval.note } : {}) };
    if (approval.decision === 'reject') {
      await transition(step.id, 'rejected', detail);
      return { ok: false, errorClass: 'approval_rejected', message: `step ${step.id} rejected by ${approval.actor}${approval.note ? `: ${approval.note}` : ''}`, decision: { action: 'fail', reason: 'approval rejected' } };
    }
    await transition(step.id, 'approved', detail);
    return { ok: true, writes: { [step.id]: { approved: true, ...detail } }, output: undefined };
  }
}
