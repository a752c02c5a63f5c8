/**
 * Applies database migrations (prisma/migrations) with our own runner.
 *
 *   DATABASE_URL=postgresql://root@127.0.0.1:5432/startinsight_runtime node dist/scripts/migrate.js
 *
 * Env: DATABASE_URL (default below), MIGRATIONS_DIR (default <repo>/prisma/migrations),
 *      MIGRATE_LOCK_TIMEOUT_MS (default 120000).
 * Creates the database if missing, applies pending migrations, prints what it did.
 * Exit codes: 0 ok, 1 failure (message on stderr).
 */
import { ensureDatabase, redactUrl } from '../persistence/database';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '../persistence/migrations';

export const DEFAULT_DATABASE_URL = 'postgresql://root@127.0.0.1:5432/startinsight_runtime';

export async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const migrationsDir = process.env.MIGRATIONS_DIR || DEFAULT_MIGRATIONS_DIR;
  const lockTimeoutMs = process.env.MIGRATE_LOCK_TIMEOUT_MS ? Number(process.env.MIGRATE_LOCK_TIMEOUT_MS) : undefined;
  const log = (msg: string): void => console.log(`[migrate] ${msg}`);
  const started = Date.now();

  log(`database ${redactUrl(databaseUrl)}`);
  const created = await ensureDatabase(databaseUrl);
  log(created ? 'database created' : 'database exists');

  const { applied, skipped } = await applyMigrations(databaseUrl, {
    migrationsDir,
    log,
    ...(lockTimeoutMs !== undefined && Number.isFinite(lockTimeoutMs) ? { lockTimeoutMs } : {}),
  });
  log(
    `${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ` +
      `${skipped.length} already applied, from ${migrationsDir} in ${Date.now() - started} ms`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[migrate] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
