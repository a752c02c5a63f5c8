import assert from 'node:assert/strict';
import { createPrismaClient, isDatabaseUnavailable } from '../../persistence/prisma-client';
import { createTestDatabase, type TestDatabase } from '../support/database-fixture';
import { startTcpProxy, viaProxy } from '../support/tcp-proxy';

/** What the API answers 503 for and the executor waits out: errors of an unreachable server, and only those. */
describe('isDatabaseUnavailable: real Prisma errors through @prisma/adapter-pg', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  async function errorOf(op: () => Promise<unknown>): Promise<unknown> {
    try {
      await op();
    } catch (err) {
      return err;
    }
    throw new Error('the operation did not fail');
  }

  it('is true for a refused connection and for a connection the server closed, model queries and raw ones', async () => {
    const proxy = await startTcpProxy(Number(new URL(db.url).port || 5432));
    const prisma = createPrismaClient(viaProxy(db.url, proxy));
    try {
      await prisma.runtimeCommand.count();
      const inFlight = errorOf(() => prisma.$queryRaw`SELECT pg_sleep(5)`);
      await new Promise((r) => setTimeout(r, 300));
      await proxy.pause();
      const closed = await inFlight;
      const refused = await errorOf(() => prisma.runtimeCommand.findFirst());
      const refusedRaw = await errorOf(() => prisma.$queryRaw`SELECT 1`);
      for (const err of [closed, refused, refusedRaw]) assert.ok(isDatabaseUnavailable(err), String(err));
      assert.equal((refused as { code?: string }).code, 'P1001');
      await proxy.resume();
      assert.equal(await prisma.runtimeCommand.count(), 0, 'the same client works again');
    } finally {
      await prisma.$disconnect();
      await proxy.close();
    }
  });

  it('is false for errors of the query itself', async () => {
    const unique = await errorOf(async () => {
      const data = { name: `dup-${Date.now()}`, agentFamily: 'research', action: 'investigate' };
      await db.prisma.agentConfiguration.create({ data });
      await db.prisma.agentConfiguration.create({ data });
    });
    const syntax = await errorOf(() => db.prisma.$queryRawUnsafe('SELECT FROM nowhere WHERE'));
    const notFound = await errorOf(() => db.prisma.runtimeCommand.update({ where: { id: '00000000-0000-0000-0000-000000000000' }, data: { status: 'running' } }));
    for (const err of [unique, syntax, notFound]) assert.equal(isDatabaseUnavailable(err), false, String(err));
  });
});
