import type { RuntimeCommand, RuntimeCommandAttempt } from '../persistence/prisma-client';

const usd = (d: { toString(): string } | null) => (d === null ? null : Number(d.toString()));
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The public JSON shape of a command. Column names stay internal; this is the contract. */
export function commandView(c: RuntimeCommand, attempts?: RuntimeCommandAttempt[]) {
  return {
    commandId: c.id,
    workflowId: c.workflowId,
    status: c.status,
    agentFamily: c.agentFamily,
    action: c.action,
    policyProfile: c.policyProfile,
    traceId: c.traceId,
    idempotencyKey: c.idempotencyKey,
    shadow: c.shadow,
    // A shadow command ran beside the legacy executor, whose answer is the one that counts: its
    // result is shown for comparison only and never where a client reads the answer from.
    authoritative: !c.shadow,
    result: c.shadow ? null : c.result,
    ...(c.shadow ? { shadowResult: c.result } : {}),
    error: c.errorClass ? { class: c.errorClass, message: c.errorMessage } : null,
    usage: { tokensIn: c.tokensIn, tokensOut: c.tokensOut, costUsd: usd(c.costUsd) },
    attemptCount: c.attemptCount,
    replayOf: c.replayOfCommandId,
    statusUrl: `/v1/commands/${c.id}`,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    completedAt: iso(c.completedAt),
    ...(attempts ? { attempts: attempts.map(attemptView) } : {}),
  };
}

export function attemptView(a: RuntimeCommandAttempt) {
  return {
    attemptNumber: a.attemptNumber,
    status: a.status,
    provider: a.provider,
    model: a.model,
    gatewayRunId: a.gatewayRunId,
    tokensIn: a.tokensIn,
    tokensOut: a.tokensOut,
    costUsd: usd(a.costUsd),
    gatewayCostUsd: usd(a.gatewayCostUsd),
    error: a.errorClass ? { class: a.errorClass, message: a.errorMessage } : null,
    startedAt: iso(a.startedAt),
    finishedAt: iso(a.finishedAt),
    durationMs: a.durationMs,
  };
}
