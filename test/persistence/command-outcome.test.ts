import assert from 'node:assert/strict';
import { AttemptProjection, type AttemptStart, type AttemptSuccess } from '../../activities/projections/attempt-projection';
import { CommandProjection } from '../../activities/projections/command-projection';
import { createSqlPool } from '../../persistence/sql';
import { createTestDatabase, type TestDatabase } from '../support/database-fixture';

/** The statements a successful attempt shares with its command's projection, on a real PostgreSQL. */
describe('command projection: an attempt writes its row with the run start, its success with the outcome', function () {
  let db: TestDatabase;
  let sqlPool: ReturnType<typeof createSqlPool>;
  let attempts: AttemptProjection;
  let commands: CommandProjection;
  const run = (id: string) => ({ commandId: id, workflowId: `command-${id}`, runId: `run-${id}`, traceId: 't', agentFamily: 'research' });
  const attemptStart = (id: string, attemptNumber: number): AttemptStart => ({
    commandId: id, attemptNumber, workflowId: `command-${id}`, workflowRunId: `run-${id}`, activityId: '1', idempotencyKey: `key-${id}-${attemptNumber}`,
    traceId: 't', startedAt: new Date(), reattached: false, provider: 'gemini-standin', model: 'gemini-2.5-flash', step: null,
  });
  const success = (id: string, attemptNumber: number): AttemptSuccess => ({
    commandId: id, attemptNumber, provider: 'gemini-standin', model: 'gemini-2.5-flash', gatewayRunId: `key-${id}-${attemptNumber}`,
    tokensIn: 100, tokensOut: 20, tokensCacheRead: 0, tokensCacheWrite: 0, costUsd: 0.01, gatewayCostUsd: null, finishedAt: new Date(), durationMs: 40,
  });
  const outcome = (id: string, attemptNumber: number) => ({ ...run(id), outcome: 'succeeded' as const, output: { summary: 'done' }, attempt: { attemptNumber, durationMs: 40 } });

  before(async () => {
    db = await createTestDatabase();
    sqlPool = createSqlPool(db.url, () => undefined);
    attempts = new AttemptProjection(db.prisma, sqlPool);
    commands = new CommandProjection(db.prisma, sqlPool);
    for (const id of ['one', 'missing']) {
      await db.prisma.runtimeCommand.create({ data: { id, requestHash: 'h', agentFamily: 'research', action: 'investigate', input: {}, policyProfile: 'standard_async', traceId: 't', workflowId: `command-${id}` } });
    }
  });
  after(async () => {
    await sqlPool?.end();
    await db?.drop();
  });

  it('the first attempt writes its row and the run start in one statement; a repeat changes nothing', async () => {
    const start = { ...run('one'), workflowType: 'agentCommandWorkflow', taskQueue: 'q' };
    await commands.runStarted(start, attempts.startRow(attemptStart('one', 1)));
    await commands.runStarted(start, attempts.startRow(attemptStart('one', 1)));
    const command = await db.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: 'one' }, include: { attempts: true, workflowRuns: true } });
    assert.equal(command.status, 'running');
    assert.deepEqual(command.attempts.map((a) => [a.attemptNumber, a.status]), [[1, 'running']]);
    assert.deepEqual(command.workflowRuns.map((r) => [r.runId, r.status]), [['run-one', 'running']]);
  });

  it('totals count the success written in the same statement, next to the earlier attempts', async () => {
    await attempts.failed({ commandId: 'one', attemptNumber: 1, errorClass: 'provider_unavailable', errorMessage: '503', finishedAt: new Date(), durationMs: 10 });
    await attempts.started(attemptStart('one', 2));
    await commands.outcome(outcome('one', 2), { attemptNumber: 2, success: attempts.successRow(success('one', 2)) });
    const command = await db.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: 'one' }, include: { attempts: { orderBy: { attemptNumber: 'asc' } }, workflowRuns: true } });
    assert.deepEqual([command.status, command.attemptCount, command.tokensIn, command.tokensOut, Number(command.costUsd)], ['succeeded', 2, 100, 20, 0.01]);
    assert.deepEqual(command.attempts.map((a) => [a.attemptNumber, a.status, a.tokensIn]), [[1, 'failed', 0], [2, 'succeeded', 100]]);
    assert.deepEqual(command.workflowRuns.map((r) => [r.status, r.tokensIn, r.tokensOut]), [['completed', 100, 20]]);
    const log = await db.prisma.agentExecutionLog.findFirstOrThrow({ where: { commandId: 'one' } });
    assert.deepEqual([log.status, log.tokensIn, log.durationMs], ['succeeded', 100, 50]);
  });

  it('writes nothing and throws when the attempt it reports has no row', async () => {
    await commands.runStarted({ ...run('missing'), workflowType: 'agentCommandWorkflow', taskQueue: 'q' });
    await assert.rejects(commands.outcome(outcome('missing', 5), { attemptNumber: 5, success: attempts.successRow(success('missing', 5)) }), /0 rows of attempt 5/);
    const command = await db.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: 'missing' }, include: { workflowRuns: true } });
    assert.deepEqual([command.status, command.completedAt, command.workflowRuns[0]!.status], ['running', null, 'running']);
    assert.equal(await db.prisma.agentExecutionLog.count({ where: { commandId: 'missing' } }), 0);
  });
});
