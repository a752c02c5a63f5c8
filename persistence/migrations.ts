/**
 * Migration runner: applies prisma/migrations/<name>/migration.sql files in name
 * order, each in its own transaction, under the same PostgreSQL advisory lock
 * Prisma's schema engine uses (72707369), recording every migration in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does. Stock
 * `prisma migrate status/deploy` therefore see our history as their own.
 *
 * Why our own runner: Prisma 6.19.3's offline (WASM, driver-adapter) schema
 * engine cannot introspect PostgreSQL through @prisma/adapter-pg, so
 * `prisma migrate deploy` fails offline. See prisma/README.md.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { redactUrl } from './database';

/** Advisory lock key used by Prisma's schema engine for PostgreSQL. */
export const PRISMA_MIGRATE_ADVISORY_LOCK_KEY = 72707369;

/** Default migrations directory: <repo>/prisma/migrations (works from src and dist). */
export const DEFAULT_MIGRATIONS_DIR = resolveDefaultMigrationsDir();

export interface ApplyMigrationsOptions {
  migrationsDir?: string;
  log?: (msg: string) => void;
  /** How long to wait for the advisory lock held by another runner. Default 120000. */
  lockTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations found already applied (checksum verified), in order. */
  skipped: string[];
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

/** Thrown for every refusal (changed checksum, failed migration, SQL error, lock timeout). */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** `_prisma_migrations` as Prisma's schema engine creates it on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/** sha256 hex of the migration script, as Prisma computes it. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Prisma accepts a recorded checksum if it matches the script as-is or with
 * CRLF line endings normalised to LF (files checked out on Windows). Same here.
 */
function checksumMatches(sql: string, recorded: string): boolean {
  if (migrationChecksum(sql) === recorded) return true;
  if (sql.includes('\r\n')) return migrationChecksum(sql.replace(/\r\n/g, '\n')) === recorded;
  return false;
}

/** Reads `<dir>/<name>/migration.sql` for every sub-directory, sorted by name. */
export async function readMigrations(migrationsDir: string = DEFAULT_MIGRATIONS_DIR): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    throw new MigrationError(`cannot read migrations directory ${migrationsDir}: ${(err as Error).message}`, { cause: err });
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    let sql: string;
    try {
      sql = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new MigrationError(`migration directory ${name} has no readable migration.sql (${(err as Error).message})`, { cause: err });
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

interface AppliedRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies pending migrations. Never re-applies an applied migration; refuses
 * (throws MigrationError, applying nothing) when an applied migration's
 * migration.sql changed or a migration is recorded as failed.
 */
export async function applyMigrations(
  databaseUrl: string,
  opts: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const log = opts.log ?? (() => undefined);
  const lockTimeoutMs = opts.lockTimeoutMs ?? 120_000;
  const local = await readMigrations(migrationsDir);

  const client = new Client({ connectionString: databaseUrl, application_name: 'startinsight-migrate' });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new MigrationError(`cannot connect to ${redactUrl(databaseUrl)}: ${(err as Error).message}`, { cause: err });
  }
  let locked = false;
  try {
    await acquireLock(client, lockTimeoutMs, log);
    locked = true;
    await client.query(CREATE_MIGRATIONS_TABLE);

    const { rows } = await client.query<AppliedRow>(
      `SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs
         FROM _prisma_migrations ORDER BY started_at, migration_name`,
    );
    const live = rows.filter((r) => r.rolled_back_at === null);

    const failed = live.filter((r) => r.finished_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        `migration(s) recorded as failed in _prisma_migrations: ${failed.map((r) => r.migration_name).join(', ')}. ` +
          'Fix the database by hand, then mark them rolled back (UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = ...) ' +
          'or resolved (`prisma migrate resolve`), and run again.',
      );
    }

    const appliedByName = new Map<string, AppliedRow>();
    for (const r of live) appliedByName.set(r.migration_name, r);

    const changed: string[] = [];
    for (const m of local) {
      const row = appliedByName.get(m.name);
      if (row && !checksumMatches(m.sql, row.checksum)) {
        changed.push(`${m.name} (recorded ${row.checksum}, file ${m.checksum})`);
      }
    }
    if (changed.length > 0) {
      throw new MigrationError(
        `applied migration(s) were modified after being applied: ${changed.join('; ')}. ` +
          'Never edit an applied migration.sql: restore it and put the change in a new migration (scripts/new-migration.sh).',
      );
    }

    const localNames = new Set(local.map((m) => m.name));
    const unknown = live.filter((r) => !localNames.has(r.migration_name)).map((r) => r.migration_name);
    if (unknown.length > 0) {
      // e.g. an older build starting against a database migrated by a newer one.
      log(`warning: database has migration(s) not present in ${migrationsDir}: ${unknown.join(', ')}`);
    }

    const result: ApplyMigrationsResult = { applied: [], skipped: [] };
    for (const m of local) {
      if (appliedByName.has(m.name)) {
        result.skipped.push(m.name);
        continue;
      }
      const started = Date.now();
      await applyOne(client, m);
      result.applied.push(m.name);
      log(`applied ${m.name} in ${Date.now() - started} ms`);
    }
    return result;
  } finally {
    if (locked) {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
    await client.end().catch(() => undefined);
  }
}

async function applyOne(client: Client, m: LocalMigration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [randomUUID(), m.checksum, m.name],
    );
    // No parameters: pg uses the simple query protocol, so a multi-statement script runs as one.
    await client.query(m.sql);
    await client.query(
      `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL`,
      [m.name],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(`migration ${m.name} failed and was rolled back: ${describeSqlError(err, m.sql)}`, { cause: err });
  }
}

async function acquireLock(client: Client, timeoutMs: number, log: (msg: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_ADVISORY_LOCK_KEY,
    ]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(
        `timed out after ${timeoutMs} ms waiting for the migration advisory lock ${PRISMA_MIGRATE_ADVISORY_LOCK_KEY} ` +
          '(another migration runner or `prisma migrate` holds it; see pg_locks where locktype = \'advisory\')',
      );
    }
    if (!waiting) {
      log(`waiting for migration advisory lock ${PRISMA_MIGRATE_ADVISORY_LOCK_KEY} held by another runner`);
      waiting = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function describeSqlError(err: unknown, sql: string): string {
  const e = err as { message?: string; code?: string; position?: string };
  let text = e.message ?? String(err);
  if (e.code) text += ` [SQLSTATE ${e.code}]`;
  const pos = e.position ? Number(e.position) : NaN;
  if (Number.isFinite(pos) && pos > 0) {
    const line = sql.slice(0, pos - 1).split('\n').length;
    text += ` at migration.sql line ${line}: ${sql.split('\n')[line - 1]?.trim() ?? ''}`;
  }
  return text;
}

function resolveDefaultMigrationsDir(): string {
  // persistence/ (ts-node) or dist/persistence/ (compiled): walk up to the directory holding prisma/migrations.
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', 'prisma', 'migrations');
}
