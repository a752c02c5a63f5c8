/**
 * Schema/migration drift without introspection (Prisma's offline engine cannot introspect, see
 * prisma/README.md): apply the migrations with our runner to one scratch database, the SQL of
 * `prisma migrate diff --from-empty --to-schema-datamodel` to another, and compare the two as
 * catalog snapshots and, where pg_dump is installed, as `pg_dump -s` text.
 */
import { applyMigrations } from '../persistence/migrations';
import { withClient, withScratchDatabase } from '../persistence/scratch-database';
import { lineDiff } from './line-diff';
import { prismaCli } from './prisma-cli';
import { catalogSchema, havePgDump, pgDumpSchema } from './schema-snapshot';

export interface DriftResult {
  ok: boolean;
  /** Which comparisons ran: 'catalog', and 'pg_dump -s' when pg_dump is installed. */
  comparisons: string[];
  /** On drift: what is wrong, how to fix it, and a line diff (+ only in the schema's database). */
  diff?: string;
}

export interface DriftOptions {
  migrationsDir: string;
  schemaPath: string;
  /** Server to create the two scratch databases on. */
  serverUrl: string;
}

/** Creates, in the empty database `url`, what schema.prisma describes. */
export async function buildSchemaFromDatamodel(url: string, schemaPath: string, serverUrl: string): Promise<void> {
  const diff = prismaCli(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', schemaPath, '--script'], serverUrl);
  if (diff.status !== 0) throw new Error(`prisma migrate diff --to-schema-datamodel ${schemaPath} failed: ${diff.stderr}`);
  await withClient(url, (c) => c.query(diff.stdout));
}

/** Compares two databases' public schemas; the first one labelled as built from the migrations. */
export async function compareSchemas(migratedUrl: string, fromSchemaUrl: string): Promise<DriftResult> {
  const snapshots: [string, (url: string) => Promise<string> | string][] = [['catalog', catalogSchema]];
  if (havePgDump()) snapshots.push(['pg_dump -s', pgDumpSchema]);
  const comparisons: string[] = [];
  for (const [how, snapshot] of snapshots) {
    comparisons.push(how);
    const fromMigrations = await snapshot(migratedUrl);
    const fromSchema = await snapshot(fromSchemaUrl);
    if (fromMigrations !== fromSchema) {
      const diff =
        `schema.prisma and the migrations have drifted (${how} comparison).\n` +
        'Make a migration with scripts/new-migration.sh <name> (see prisma/README.md).\n' +
        lineDiff(fromMigrations, fromSchema, 'database built from the migrations', 'database built from schema.prisma');
      return { ok: false, comparisons, diff };
    }
  }
  return { ok: true, comparisons };
}

/** The whole drift check on two throw-away databases, dropped afterwards. */
export async function checkSchemaDrift(opts: DriftOptions): Promise<DriftResult> {
  return withScratchDatabase(opts.serverUrl, 'si_gate', (migratedUrl) =>
    withScratchDatabase(opts.serverUrl, 'si_gate', async (fromSchemaUrl) => {
      await applyMigrations(migratedUrl, { migrationsDir: opts.migrationsDir });
      await buildSchemaFromDatamodel(fromSchemaUrl, opts.schemaPath, opts.serverUrl);
      return compareSchemas(migratedUrl, fromSchemaUrl);
    }),
  );
}
