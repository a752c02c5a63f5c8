/**
 * Throw-away databases on a PostgreSQL server: tests use them, and so do release gates that must
 * build a schema somewhere without touching a real database.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, withDatabaseName } from './database';

/** Server for scratch databases: only its host, port, user and password matter. */
export const DEFAULT_SCRATCH_SERVER_URL = 'postgresql://root@127.0.0.1:5432/postgres';

/** A fresh unique database name such as si_test_1a2b3c4d5e6f. */
export function uniqueDatabaseName(prefix = 'si_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** URL of a new, empty (not yet created) database on the server `serverUrl` points at. */
export function scratchDatabaseUrl(serverUrl: string, prefix = 'si_test'): string {
  return withDatabaseName(serverUrl, uniqueDatabaseName(prefix));
}

/** Creates a scratch database, hands its URL to `fn`, drops it afterwards whatever happened. */
export async function withScratchDatabase<T>(serverUrl: string, prefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  const url = scratchDatabaseUrl(serverUrl, prefix);
  await ensureDatabase(url);
  try {
    return await fn(url);
  } finally {
    await dropDatabase(url).catch((err: Error) => process.stderr.write(`could not drop scratch database: ${err.message}\n`));
  }
}

/** One short-lived connection, always closed. */
export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
