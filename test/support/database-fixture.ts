/**
 * Scratch PostgreSQL databases for tests.
 *
 *   const db = await createTestDatabase();   // unique si_test_<hex>, migrated
 *   await db.prisma.runtimeCommand.create(...);
 *   await db.drop();                          // disconnects, drops the database
 *
 * Server: TEST_DATABASE_URL (any database on the server; only its host, port,
 * user and password are used), default postgresql://root@127.0.0.1:5432/postgres.
 */
import { dropDatabase, ensureDatabase } from '../../persistence/database';
import { applyMigrations } from '../../persistence/migrations';
import { createPrismaClient, type PrismaClient } from '../../persistence/prisma-client';
import { DEFAULT_SCRATCH_SERVER_URL, scratchDatabaseUrl as scratchUrlOn } from '../../persistence/scratch-database';

export { uniqueDatabaseName } from '../../persistence/scratch-database';
export { repoRoot } from '../../release/repo-root';

export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL || DEFAULT_SCRATCH_SERVER_URL;

export interface TestDatabase {
  url: string;
  name: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** URL of a new, empty (not migrated, not yet created) database on the test server. */
export function scratchDatabaseUrl(prefix = 'si_test'): string {
  return scratchUrlOn(TEST_SERVER_URL, prefix);
}

/** Creates a uniquely named database, applies all migrations, returns a Prisma client on it. */
export async function createTestDatabase(opts: { poolMax?: number } = {}): Promise<TestDatabase> {
  const url = scratchDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  await ensureDatabase(url);
  try {
    await applyMigrations(url);
  } catch (err) {
    await dropDatabase(url).catch(() => undefined);
    throw err;
  }
  const prisma = createPrismaClient(url, opts.poolMax !== undefined ? { poolMax: opts.poolMax } : {});
  let dropped = false;
  return {
    url,
    name,
    prisma,
    async drop(): Promise<void> {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect().catch(() => undefined);
      await dropDatabase(url);
    },
  };
}
