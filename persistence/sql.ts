import { Pool } from 'pg';
import type { Logger } from '../infra/logger';

/** A parameterised statement for node-postgres: `$1, $2, ...` placeholders and their values. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * `sql\`... ${value} ...\``: every interpolation becomes a bind parameter, never text, so values
 * cannot inject SQL. Cast in the SQL where PostgreSQL cannot infer a type (`${json}::jsonb`).
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlStatement {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += `$${i + 1}${strings[i + 1]}`;
  return { text, values };
}

/** What the hot-path projections need of a pool (pg.Pool; tests may hand in their own). */
export type SqlPool = Pick<Pool, 'query' | 'end'>;

/**
 * A node-postgres pool for the statements every command runs (run start, attempt rows,
 * outcome). They are single raw statements already; sending them straight to node-postgres skips
 * Prisma's client engine, whose query compiler (WebAssembly, ~24 MB resident once instantiated)
 * then only loads in a worker that runs a Prisma query (dead letters, pipelines, schedules).
 */
export function createSqlPool(databaseUrl: string, onIdleError: (err: Error) => void, max = 10): Pool {
  // A connection attempt that hangs (a half-open network) fails instead, so callers that wait out
  // an outage (activities/execute-agent.ts) see an error they recognise and retry.
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle connection dropped by the server (a restart) must not crash the process: the pool
  // discards it and the next query opens a new one.
  pool.on('error', onIdleError);
  return pool;
}

/** The processes' `onIdleError`: a dropped idle connection is worth a warning, nothing more. */
export function warnOnDroppedConnection(logger: Pick<Logger, 'warn'>): (err: Error) => void {
  return (err) => logger.warn('database connection dropped', { error: err.message });
}
