import assert from 'node:assert/strict';
import type { PrismaClient } from '../../persistence/prisma-client';
import { mapLimit } from '../../bench/lib/drivers';
import { request } from './http';
import { until } from './until';

export interface Submitted {
  commandId: string;
  workflowId: string;
}

/** Submits one command per body, `concurrency` requests at a time; every one must be accepted. */
export function submitAll(apiUrl: string, bodies: unknown[], concurrency = 20): Promise<Submitted[]> {
  return mapLimit(bodies, concurrency, async (body) => {
    const answer = await request(apiUrl, 'POST', '/v1/commands', { json: body });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return answer.body as Submitted;
  });
}

/** Waits until at least `done` of the commands succeeded while at least `running` attempts are at the model: the moment to strike. */
export function inFlight(prisma: PrismaClient, commandIds: string[], at: { done: number; running: number }): Promise<{ done: number; running: number }> {
  return until(`${at.done} commands done and ${at.running} attempts in flight`, async () => {
    const done = await prisma.runtimeCommand.count({ where: { id: { in: commandIds }, status: 'succeeded' } });
    const running = await prisma.runtimeCommandAttempt.count({ where: { commandId: { in: commandIds }, status: 'running' } });
    return done >= at.done && running >= at.running ? { done, running } : undefined;
  }, 120_000);
}

/** Waits until every command has left accepted/running; fails naming how many had not. */
export async function allSettled(prisma: PrismaClient, commandIds: string[], timeoutMs: number): Promise<void> {
  let open = commandIds.length;
  await until(
    `all ${commandIds.length} commands settled (still open: ${open})`,
    async () => {
      open = await prisma.runtimeCommand.count({ where: { id: { in: commandIds }, status: { in: ['accepted', 'running'] } } });
      return open === 0;
    },
    timeoutMs,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${open} of ${commandIds.length} still open`);
  });
}

export interface ProjectionSummary {
  commands: number;
  attempts: number;
  /** Commands that needed more than one attempt (an attempt lost with a fault, retried). */
  retried: number;
  /** Attempts that re-attached to the gateway run of a lost one. */
  reattached: number;
  /** Commands whose success Temporal lost once, re-recorded by a re-attached attempt. */
  successRecordedTwice: number;
}

/**
 * Every command succeeded and is projected exactly once: its attempt rows are numbered in rising
 * order with no repeat, none is left running, the command's attemptCount is their number, and it has exactly
 * one workflow run row, completed. Its success is one gateway run: a later succeeded row exists
 * only when Temporal lost the completion of an earlier one (the retried activity re-attaches to
 * the same run and records no usage again), so every succeeded row names the same gateway run
 * and only the first carries tokens.
 */
export async function assertEachProjectedOnce(prisma: PrismaClient, commandIds: string[]): Promise<ProjectionSummary> {
  const commands = await prisma.runtimeCommand.findMany({ where: { id: { in: commandIds } } });
  assert.equal(commands.length, commandIds.length, 'a row for every command');
  const notSucceeded = commands.filter((c) => c.status !== 'succeeded');
  assert.deepEqual(notSucceeded.map((c) => [c.id, c.status, c.errorClass, c.errorMessage]), [], 'every command succeeded');

  const attempts = await prisma.runtimeCommandAttempt.findMany({ where: { commandId: { in: commandIds } }, orderBy: [{ commandId: 'asc' }, { attemptNumber: 'asc' }] });
  const runs = await prisma.runtimeWorkflowRun.findMany({ where: { commandId: { in: commandIds } } });
  const byCommand = new Map<string, typeof attempts>();
  for (const a of attempts) byCommand.set(a.commandId, [...(byCommand.get(a.commandId) ?? []), a]);
  const runsBy = new Map<string, typeof runs>();
  for (const r of runs) runsBy.set(r.commandId, [...(runsBy.get(r.commandId) ?? []), r]);

  const problems: string[] = [];
  for (const c of commands) {
    const rows = byCommand.get(c.id) ?? [];
    const numbers = rows.map((r) => r.attemptNumber);
    // A gap is an attempt Temporal counted that never wrote its row: no worker ran it (the server
    // restarted between recording its start and handing it over, or the worker died before its
    // first statement), so there was no gateway call to record either.
    if (numbers.some((n, i) => n < 1 || (i > 0 && n <= numbers[i - 1]!))) problems.push(`${c.id}: attempt numbers ${numbers.join(',') || 'none'}`);
    const succeeded = rows.filter((r) => r.status === 'succeeded');
    if (succeeded.length === 0) problems.push(`${c.id}: no succeeded attempt`);
    if (new Set(succeeded.map((r) => r.gatewayRunId)).size > 1) problems.push(`${c.id}: succeeded on ${succeeded.length} gateway runs`);
    if (succeeded.slice(1).some((r) => !r.reattached || r.tokensIn + r.tokensOut > 0)) problems.push(`${c.id}: a repeated success that is not a usage-free re-attachment`);
    const running = rows.filter((r) => r.status === 'running').length;
    if (running > 0) problems.push(`${c.id}: ${running} attempts left running`);
    if (c.attemptCount !== rows.length) problems.push(`${c.id}: attemptCount ${c.attemptCount} but ${rows.length} rows`);
    if (problems.length > 0 && !problems.some((p) => p.startsWith('rows of'))) {
      problems.push(`rows of ${c.id}: ${JSON.stringify(rows.map((r) => [r.attemptNumber, r.status, r.errorClass, r.reattached, r.idempotencyKey, r.gatewayRunId, r.tokensIn, r.startedAt.toISOString().slice(11, 23), r.finishedAt?.toISOString().slice(11, 23)]))}`);
    }
    const cruns = runsBy.get(c.id) ?? [];
    if (cruns.length !== 1 || cruns[0]!.status !== 'completed') problems.push(`${c.id}: runs ${cruns.map((r) => r.status).join(',') || 'none'}`);
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} projection problems`);
  return {
    commands: commands.length,
    attempts: attempts.length,
    retried: [...byCommand.values()].filter((rows) => rows.length > 1).length,
    reattached: attempts.filter((a) => a.reattached).length,
    successRecordedTwice: [...byCommand.values()].filter((rows) => rows.filter((r) => r.status === 'succeeded').length > 1).length,
  };
}

/** A timestamped progress line in the test output (fault tests are long; this shows where time went). */
export function logLine(message: string): void {
  process.stdout.write(`      [${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
