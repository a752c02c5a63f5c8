import { Pool } from 'pg';
import type { Logger } from '../infra/logger';

/** A parameterised statement for node-postgres: `$1, $2, ...` placeholders and their values. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** A piece of SQL made with `sqlFragment`, spliced into a `sql` statement as SQL, its values renumbered there. */
export class SqlFragment {
  constructor(readonly statement: SqlStatement) {}
}

/**
 * `sql\`... ${value} ...\``: every interpolation becomes a bind parameter, never text, so values
 * cannot inject SQL; a `SqlFragment` is spliced in as SQL with its own parameters. Cast in the SQL
 * where PostgreSQL cannot infer a type (`${json}::jsonb`).
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlStatement {
  let text = strings[0]!;
  const params: unknown[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof SqlFragment) {
      const offset = params.length;
      text += value.statement.text.replace(/\$(\d+)/g, (_, n: string) => `$${offset + Number(n)}`);
      params.push(...value.statement.values);
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += strings[i + 1];
  }
  return { text, values: params };
}

/** A statement piece for another statement (a CTE, say), so two writes go in one round trip. */
export function sqlFragment(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  // Splicing renumbers every `$n` of the piece's text, so a `$` of its own (in a string literal,
  // dollar quotes) would be rewritten too: such SQL belongs in a statement of its own.
  if (strings.some((s) => s.includes('$'))) throw new Error(`a statement piece may not hold '$' in its SQL text: ${strings.join('${…}').trim().slice(0, 200)}`);
  return new SqlFragment(sql(strings, ...values));
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
