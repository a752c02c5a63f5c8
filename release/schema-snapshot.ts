/**
 * Text snapshots of a database's public schema, for comparing two databases line by line.
 * _prisma_migrations is left out: only the database built by the migration runner has it.
 */
import { spawnSync } from 'node:child_process';
import { withClient } from '../persistence/scratch-database';

export function havePgDump(): boolean {
  return spawnSync('pg_dump', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** `pg_dump -s` without _prisma_migrations, comments, SET lines, \restrict keys and blank lines. */
export function pgDumpSchema(url: string): string {
  const res = spawnSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--no-comments', '--exclude-table=public._prisma_migrations', '--dbname', url],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (res.status !== 0) throw new Error(`pg_dump failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--') && !/^SET |^SELECT pg_catalog\.set_config|^\\(un)?restrict /.test(l))
    .join('\n');
}

/** Catalog snapshot of the public schema (works without pg_dump). */
export async function catalogSchema(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const parts: string[] = [];
    const cols = await c.query(`
      SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
             character_maximum_length, numeric_precision, numeric_scale, datetime_precision
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
       ORDER BY table_name, column_name`);
    for (const r of cols.rows) parts.push(`column ${Object.values(r).map((v) => (v === null ? 'null' : String(v))).join(' | ')}`);
    const cons = await c.query(`
      SELECT rel.relname AS table_name, con.conname, pg_get_constraintdef(con.oid) AS def
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = rel.relnamespace
       WHERE n.nspname = 'public' AND rel.relname <> '_prisma_migrations'
       ORDER BY 1, 2`);
    for (const r of cons.rows) parts.push(`constraint ${r.table_name}.${r.conname}: ${r.def}`);
    const idx = await c.query(`
      SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`);
    for (const r of idx.rows) parts.push(`index ${r.indexname}: ${r.indexdef}`);
    const enums = await c.query(`
      SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY t.typname`);
    for (const r of enums.rows) parts.push(`enum ${r.typname}: ${r.labels}`);
    return parts.join('\n');
  });
}
