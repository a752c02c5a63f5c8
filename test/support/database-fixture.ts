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
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { dropDatabase, ensureDatabase, withDatabaseName } from '../../persistence/database';
import { applyMigrations } from '../../persistence/migrations';
import { createPrismaClient, type PrismaClient } from '../../persistence/prisma-client';

export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL || 'postgresql://root@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** A fresh unique database name such as si_test_1a2b3c4d5e6f. */
export function uniqueDatabaseName(prefix = 'si_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** URL of a new, empty (not migrated, not yet created) database on the test server. */
export function scratchDatabaseUrl(prefix = 'si_test'): string {
  return withDatabaseName(TEST_SERVER_URL, uniqueDatabaseName(prefix));
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

/** Repository root (the directory holding prisma/schema.prisma), from src or dist. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the repository root (prisma/schema.prisma) above ${__dirname}`);
}
