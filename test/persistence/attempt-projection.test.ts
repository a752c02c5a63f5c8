import assert from 'node:assert/strict';
import { AttemptProjection } from '../../activities/projections/attempt-projection';
import { createSqlPool } from '../../persistence/sql';
import { createTestDatabase, type TestDatabase } from '../support/database-fixture';

/** The hand-over of a gateway run between attempts, on a real PostgreSQL. */
describe('attempt projection: a lost answer hands its gateway run to the next attempt', function () {
  let db: TestDatabase;
  let attempts: AttemptProjection;
  let sqlPool: ReturnType<typeof createSqlPool>;
  const start = (commandId: string, attemptNumber: number, idempotencyKey: string) =>
    attempts.started({ commandId, attemptNumber, workflowId: `command-${commandId}`, workflowRunId: 'run', activityId: '1', idempotencyKey, traceId: 't', startedAt: new Date(), reattached: false, provider: 'gemini-standin', model: 'gemini-2.5-flash', step: null });

  before(async () => {
    db = await createTestDatabase();
    sqlPool = createSqlPool(db.url, () => undefined);
    attempts = new AttemptProjection(db.prisma, sqlPool);
    for (const id of ['running', 'succeeded', 'parked', 'failed']) {
      await db.prisma.runtimeCommand.create({ data: { id, requestHash: 'h', agentFamily: 'research', action: 'investigate', input: {}, policyProfile: 'standard_async', traceId: 't', workflowId: `command-${id}` } });
    }
  });
  after(async () => {
    await sqlPool?.end();
    await db?.drop();
  });

  it('a predecessor still running is closed as a timeout; its key goes on, its usage is not yet counted', async () => {
    await start('running', 1, 'key-running-1');
    const next = { commandId: 'running', attemptNumber: 2, startedAt: new Date(), step: null, model: 'gemini-2.5-flash', sameActivity: false };
    assert.equal(await attempts.lostPredecessor({ ...next, step: 'analyse' }), null, 'another pipeline step never takes it over');
    assert.equal(await attempts.lostPredecessor({ ...next, model: 'claude-sonnet-4-5' }), null, 'nor another model');
    // Across a round boundary too (sameActivity false): rounds of one attempt each under provider fallback.
    assert.deepEqual(await attempts.lostPredecessor(next), { idempotencyKey: 'key-running-1', usageRecorded: false });
    const row = await db.prisma.runtimeCommandAttempt.findUniqueOrThrow({ where: { commandId_attemptNumber: { commandId: 'running', attemptNumber: 1 } } });
    assert.deepEqual([row.status, row.errorClass], ['failed', 'timeout']);
  });

  it('a predecessor that recorded success (Temporal lost its completion) hands over its key with its usage already counted', async () => {
    await start('succeeded', 1, 'key-succeeded-1');
    await attempts.succeeded({
      commandId: 'succeeded', attemptNumber: 1, provider: 'p', model: 'm', gatewayRunId: 'r', tokensIn: 10, tokensOut: 5,
      tokensCacheRead: 0, tokensCacheWrite: 0, costUsd: 0.001, gatewayCostUsd: null, finishedAt: new Date(), durationMs: 5,
    });
    const next = { commandId: 'succeeded', attemptNumber: 2, startedAt: new Date(), step: null, model: 'm', sameActivity: true };
    assert.equal(await attempts.lostPredecessor({ ...next, step: 'analyse' }), null, 'a success of another step is just an earlier attempt');
    assert.deepEqual(await attempts.lostPredecessor(next), { idempotencyKey: 'key-succeeded-1', usageRecorded: true });
    // A new round after it (one attempt per round under provider fallback): its round failed with a
    // timeout because Temporal never got the success, so the success is still the answer.
    assert.deepEqual(await attempts.lostPredecessor({ ...next, sameActivity: false }), { idempotencyKey: 'key-succeeded-1', usageRecorded: true });
    const row = await db.prisma.runtimeCommandAttempt.findUniqueOrThrow({ where: { commandId_attemptNumber: { commandId: 'succeeded', attemptNumber: 1 } } });
    assert.equal(row.status, 'succeeded', 'left as it is');
  });

  it('a success before a dead letter was parked or replayed is just an earlier attempt: the replay runs the step afresh', async () => {
    await start('parked', 1, 'key-parked-1');
    await attempts.succeeded({
      commandId: 'parked', attemptNumber: 1, provider: 'p', model: 'm', gatewayRunId: 'r', tokensIn: 10, tokensOut: 5,
      tokensCacheRead: 0, tokensCacheWrite: 0, costUsd: 0.001, gatewayCostUsd: null, finishedAt: new Date(), durationMs: 5,
    });
    await db.prisma.runtimeDeadLetter.create({
      data: { commandId: 'parked', workflowId: 'command-parked', agentFamily: 'research', action: 'investigate', policyProfile: 'standard_async', errorClass: 'timeout', errorMessage: 'x', attempts: 1, replayableUntil: new Date(Date.now() + 60_000), traceId: 't' },
    });
    const next = { commandId: 'parked', attemptNumber: 2, startedAt: new Date(), step: null, model: 'm' };
    assert.equal(await attempts.lostPredecessor({ ...next, sameActivity: false }), null);
    assert.deepEqual(await attempts.lostPredecessor({ ...next, sameActivity: true }), { idempotencyKey: 'key-parked-1', usageRecorded: true }, 'within one activity it is lost whatever happened before');
  });

  it('a predecessor that failed is a real failure: the next attempt is a new gateway run', async () => {
    await start('failed', 1, 'key-failed-1');
    await attempts.failed({ commandId: 'failed', attemptNumber: 1, errorClass: 'provider_unavailable', errorMessage: 'x', finishedAt: new Date(), durationMs: 5 });
    assert.equal(await attempts.lostPredecessor({ commandId: 'failed', attemptNumber: 2, startedAt: new Date(), step: null, model: 'gemini-2.5-flash', sameActivity: true }), null);
  });
});
