import { workflowInfo } from '@temporalio/workflow';
import type { AgentCommandWorkflowInput } from '../runtime/command';
import { getPolicyProfile, type PolicyProfile } from '../runtime/policy/profiles';
import { RUNTIME_STATUS } from '../runtime/search-attributes';
import { runAgentRounds, type AttemptLedger } from './agent-rounds';
import { codeRevisionOf } from './code-revision';
import { closeFailed, closeSucceeded } from './command-closing';
import { DeadLetterParking, setRuntimeStatus } from './dead-letter-parking';
import { projections } from './projection-activities';
import { PATCHES } from './patches';

export { PATCHES };
export { discardSignal, replaySignal } from './dead-letter-parking';

export interface AgentCommandWorkflowResult {
  commandId: string;
  status: 'succeeded' | 'discarded' | 'dead_lettered';
  output?: unknown;
  attempts: number;
}

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
  const ledger: AttemptLedger = { lastAttempt: command.attemptBase ?? 0, roundStart: command.attemptBase ?? 0, costUsd: 0 };
  const revision = codeRevisionOf(command);
  const parking = new DeadLetterParking(run, policy, revision);

  const runStart = { workflowType: info.workflowType, taskQueue: info.taskQueue, ...(command.replayId ? { replayId: command.replayId } : {}) };
  const onAttempts = revision.attemptsCarryRunStart;
  if (revision.statusOnPlainPath) setRuntimeStatus(RUNTIME_STATUS.running);
  if (!onAttempts) await projections(revision).recordRunStarted({ ...run, ...runStart });
  let replayed = command.replayId !== undefined;

  for (;;) {
    const outcome = await runAgentRounds(
      {
        commandId: command.commandId,
        workflowId: info.workflowId,
        workflowRunId: info.runId,
        agentFamily: command.agentFamily,
        action: command.action,
        input,
        traceId: command.traceId,
        ...(onAttempts ? { runStart } : {}),
        // A replay's success is projected here, with the replay's own projection next to it.
        ...(revision.attemptsCarryOutcome && !replayed ? { projectOutcome: true } : {}),
      },
      policy,
      command.models ?? [],
      ledger,
      revision,
    );
    if (outcome.ok) {
      await closeSucceeded(run, outcome.attempt.output, outcome.attempt, replayed, revision);
      return { commandId: command.commandId, status: 'succeeded', output: outcome.attempt.output, attempts: ledger.lastAttempt };
    }
    // No attempt may have run (a budget spent before the first), or none got as far as the run
    // start: the failure's projections need the run row.
    if (onAttempts) await projections(revision).recordRunStarted({ ...run, ...runStart });
    if (outcome.decision.action === 'fail') return closeFailed(run, outcome.errorClass, outcome.message, revision);

    const parked = await parking.park({ errorClass: outcome.errorClass, message: outcome.message, reason: outcome.decision.reason }, ledger.lastAttempt, input);
    if (parked.kind === 'closed') return { commandId: command.commandId, status: parked.status, attempts: ledger.lastAttempt };
    input = parked.input;
    // A replay grants a fresh round and a fresh budget; attempt numbers go on.
    ledger.roundStart = ledger.lastAttempt;
    ledger.costUsd = 0;
    replayed = true;
  }
}
