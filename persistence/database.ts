/**
 * Database lifecycle helpers (create / drop a PostgreSQL database named by a URL).
 *
 * Both connect to a maintenance database on the same server (default `postgres`),
 * never to the target database itself.
 */
import { Client } from 'pg';

export interface MaintenanceOptions {
  /** Database to connect to for CREATE/DROP DATABASE. Default: `postgres`. */
  maintenanceDatabase?: string;
}

/** Name of the database a PostgreSQL URL points at (URL-decoded). */
export function databaseNameFromUrl(databaseUrl: string): string {
  const url = parseUrl(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) {
    throw new Error(`DATABASE_URL has no database name: ${redactUrl(databaseUrl)}`);
  }
  return name;
}

/** The same URL with a different database name. */
export function withDatabaseName(databaseUrl: string, database: string): string {
  const url = parseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The URL with any password replaced by `***`, for logs and error messages. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable database url>';
  }
}

/** Double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the database named by `databaseUrl` if it does not exist.
 * Returns true when this call created it. Safe when several processes race:
 * losing the race (42P04 duplicate_database, or 23505 on pg_database's unique
 * index) counts as "already exists".
 */
export async function ensureDatabase(databaseUrl: string, opts: MaintenanceOptions = {}): Promise<boolean> {
  const name = databaseNameFromUrl(databaseUrl);
  const maintenance = opts.maintenanceDatabase ?? 'postgres';
  if (name === maintenance) return false;
  const client = new Client({ connectionString: withDatabaseName(databaseUrl, maintenance) });
  await connectOrExplain(client, databaseUrl, maintenance);
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if ((existing.rowCount ?? 0) > 0) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw new Error(`CREATE DATABASE ${quoteIdent(name)} failed: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops the database named by `databaseUrl` (IF EXISTS), terminating its
 * connections first. Refuses to drop the maintenance database itself.
 */
export async function dropDatabase(databaseUrl: string, opts: MaintenanceOptions = {}): Promise<void> {
  const name = databaseNameFromUrl(databaseUrl);
  const maintenance = opts.maintenanceDatabase ?? 'postgres';
  if (name === maintenance) {
    throw new Error(`refusing to drop the maintenance database ${quoteIdent(name)}`);
  }
  const client = new Client({ connectionString: withDatabaseName(databaseUrl, maintenance) });
  await connectOrExplain(client, databaseUrl, maintenance);
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    // WITH (FORCE) (PostgreSQL 13+) also covers connections opened after the terminate above.
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function parseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgresql://user@host:port/database)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must use postgresql://, got ${url.protocol}//`);
  }
  return url;
}

async function connectOrExplain(client: Client, databaseUrl: string, maintenance: string): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `cannot connect to maintenance database ${quoteIdent(maintenance)} for ${redactUrl(databaseUrl)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
