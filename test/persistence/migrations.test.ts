/**
 * Migration runner + drift tests (needs the local PostgreSQL; see test/support/database-fixture.ts).
 *
 * The drift check itself lives in release/schema-drift.ts (the release migration gate runs it
 * too); here it runs on the databases the other tests reuse.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropDatabase, ensureDatabase } from '../../persistence/database';
import { applyMigrations, migrationChecksum, MigrationError, readMigrations } from '../../persistence/migrations';
import { CommandStatus, AttemptStatus, Prisma, isUniqueViolation } from '../../persistence/prisma-client';
import { withClient } from '../../persistence/scratch-database';
import { prismaCli } from '../../release/prisma-cli';
import { buildSchemaFromDatamodel, compareSchemas } from '../../release/schema-drift';
import { createTestDatabase, repoRoot, scratchDatabaseUrl, TEST_SERVER_URL, type TestDatabase } from '../support/database-fixture';

const ROOT = repoRoot();
const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');

// ---------------------------------------------------------------- helpers

/** Copy of prisma/migrations in a temp dir, plus extra migrations { name: sql }. */
async function migrationsDirWith(extra: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'si-migrations-'));
  await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await fs.mkdir(path.join(dir, name));
    await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

// ---------------------------------------------------------------- tests

describe('persistence/migrations', function () {
  this.timeout(120_000);
  const created: string[] = [];
  const tempDirs: string[] = [];
  async function freshDb(): Promise<string> {
    const url = scratchDatabaseUrl();
    created.push(url);
    await ensureDatabase(url);
    return url;
  }
  let migratedUrl = '';
  let fromSchemaUrl = '';

  before(async function () {
    migratedUrl = await freshDb();
    fromSchemaUrl = await freshDb();
  });

  after(async function () {
    for (const url of created) await dropDatabase(url).catch((e: Error) => console.error(`drop ${url}: ${e.message}`));
    for (const d of tempDirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('schema.prisma and prisma/migrations describe the same schema (no drift)', async function () {
    const res = await applyMigrations(migratedUrl);
    const local = await readMigrations(MIGRATIONS_DIR);
    assert.ok(local.length > 0, 'no migrations found');
    assert.deepEqual(res.applied, local.map((m) => m.name));

    await buildSchemaFromDatamodel(fromSchemaUrl, path.join(ROOT, 'prisma', 'schema.prisma'), TEST_SERVER_URL);
    const drift = await compareSchemas(migratedUrl, fromSchemaUrl);
    assert.ok(drift.ok, drift.diff);
    assert.ok(drift.comparisons.includes('catalog'));
  });

  it('the comparison notices a difference', async function () {
    await withClient(fromSchemaUrl, (c) => c.query('ALTER TABLE runtime_commands ADD COLUMN drift_probe integer'));
    const drift = await compareSchemas(migratedUrl, fromSchemaUrl);
    assert.equal(drift.ok, false);
    assert.match(drift.diff ?? '', /^\+ .*drift_probe/m);
    assert.match(drift.diff ?? '', /scripts\/new-migration\.sh/);
  });

  it('prisma/migrations/.schema-snapshot.prisma matches schema.prisma (used by scripts/new-migration.sh)', function () {
    const res = prismaCli([
      'migrate', 'diff',
      '--from-schema-datamodel', 'prisma/migrations/.schema-snapshot.prisma',
      '--to-schema-datamodel', 'prisma/schema.prisma',
      '--script', '--exit-code',
    ], TEST_SERVER_URL);
    assert.equal(
      res.status,
      0,
      `schema.prisma changed since the last migration; run scripts/new-migration.sh <name>.\n${res.stdout}${res.stderr}`,
    );
  });

  it('is idempotent and records _prisma_migrations rows as Prisma does', async function () {
    const local = await readMigrations(MIGRATIONS_DIR);
    const again = await applyMigrations(migratedUrl);
    assert.deepEqual(again, { applied: [], skipped: local.map((m) => m.name) });

    const rows = await withClient(migratedUrl, async (c) => (await c.query('SELECT * FROM _prisma_migrations ORDER BY migration_name')).rows);
    assert.equal(rows.length, local.length);
    for (const [i, m] of local.entries()) {
      const r = rows[i];
      assert.equal(r.migration_name, m.name);
      const fileSql = await fs.readFile(path.join(MIGRATIONS_DIR, m.name, 'migration.sql'), 'utf8');
      assert.equal(r.checksum, migrationChecksum(fileSql));
      assert.match(r.checksum, /^[0-9a-f]{64}$/);
      assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(r.finished_at instanceof Date);
      assert.ok(r.started_at instanceof Date && r.started_at <= r.finished_at);
      assert.equal(r.logs, null);
      assert.equal(r.rolled_back_at, null);
      assert.equal(r.applied_steps_count, 1);
    }
  });

  it('refuses to run when an applied migration.sql changed, applying nothing', async function () {
    const dir = await migrationsDirWith({ '99990101000000_pending': 'CREATE TABLE must_not_exist (id int);' });
    tempDirs.push(dir);
    const [first] = await readMigrations(dir);
    await fs.appendFile(path.join(dir, first!.name, 'migration.sql'), '\n-- edited after apply\n');

    await assert.rejects(applyMigrations(migratedUrl, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /modified after being applied/);
      assert.ok(err.message.includes(first!.name));
      return true;
    });
    const exists = await withClient(migratedUrl, async (c) => (await c.query("SELECT to_regclass('public.must_not_exist') AS t")).rows[0].t);
    assert.equal(exists, null);
  });

  it('accepts a CRLF checkout of an applied migration (as Prisma does)', async function () {
    const dir = await migrationsDirWith({});
    tempDirs.push(dir);
    for (const m of await readMigrations(dir)) {
      await fs.writeFile(path.join(dir, m.name, 'migration.sql'), m.sql.replace(/\r?\n/g, '\r\n'));
    }
    const res = await applyMigrations(migratedUrl, { migrationsDir: dir });
    assert.deepEqual(res.applied, []);
  });

  it('applies new migrations in order; a failing migration rolls back and is not recorded', async function () {
    const url = await freshDb();
    const dir = await migrationsDirWith({
      '99990101000000_probe': 'CREATE TABLE probe_a (id int);',
      '99990102000000_broken': 'CREATE TABLE probe_b (id int);\nINSERT INTO probe_b VALUES (1);\nSELEC oops;\n',
    });
    tempDirs.push(dir);
    await assert.rejects(applyMigrations(url, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /99990102000000_broken failed and was rolled back/);
      assert.match(err.message, /line 3/);
      return true;
    });
    await withClient(url, async (c) => {
      const names = (await c.query('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name')).rows.map((r) => r.migration_name);
      assert.equal(names.at(-1), '99990101000000_probe');
      assert.ok(!names.includes('99990102000000_broken'));
      assert.equal((await c.query("SELECT to_regclass('public.probe_a') AS t")).rows[0].t, 'probe_a');
      assert.equal((await c.query("SELECT to_regclass('public.probe_b') AS t")).rows[0].t, null);
    });
  });

  it('refuses when a migration is recorded as failed (e.g. by stock prisma migrate deploy)', async function () {
    const url = await freshDb();
    await applyMigrations(url);
    await withClient(url, (c) =>
      c.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
               VALUES (gen_random_uuid()::text, $1, '99990103000000_half_done', 'boom', 0)`, ['0'.repeat(64)]),
    );
    await assert.rejects(applyMigrations(url), /recorded as failed.*99990103000000_half_done/);
  });

  it('two concurrent runners on one fresh database apply each migration exactly once', async function () {
    const url = scratchDatabaseUrl();
    created.push(url);
    const dir = await migrationsDirWith({
      '99990101000000_slow': 'SELECT pg_sleep(0.3); CREATE TABLE concurrent_a (id int);',
      '99990102000000_more': 'CREATE TABLE concurrent_b (id int);',
    });
    tempDirs.push(dir);
    const all = (await readMigrations(dir)).map((m) => m.name);
    const run = async (): Promise<{ applied: string[]; skipped: string[] }> => {
      await ensureDatabase(url);
      return applyMigrations(url, { migrationsDir: dir });
    };
    const [r1, r2] = await Promise.all([run(), run()]);
    assert.deepEqual([...r1.applied, ...r2.applied].sort(), all);
    assert.deepEqual(r1.applied.filter((n) => r2.applied.includes(n)), []);
    const counts = await withClient(url, async (c) =>
      (await c.query('SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1 ORDER BY 1')).rows,
    );
    assert.deepEqual(counts, all.map((n) => ({ migration_name: n, n: 1 })));
  });
});

describe('persistence/prisma-client smoke', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async function () {
    db = await createTestDatabase({ poolMax: 2 });
  });
  after(async function () {
    await db?.drop();
  });

  it('creates a command with an attempt and reads it back; duplicate idempotencyKey is P2002', async function () {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const base = {
      requestHash: 'a'.repeat(64),
      agentFamily: 'research',
      action: 'summarize',
      input: { url: 'https://example.com', nested: { n: 1 } },
      policyProfile: 'default',
      traceId: 'trace-1',
    };
    await db.prisma.runtimeCommand.create({
      data: {
        ...base,
        id,
        idempotencyKey: 'idem-1',
        workflowId: `command-${id}`,
        status: CommandStatus.running,
        costUsd: '0.123456',
        attempts: {
          create: {
            attemptNumber: 1,
            workflowId: `command-${id}`,
            workflowRunId: 'run-1',
            idempotencyKey: `${id}:1`,
            status: AttemptStatus.succeeded,
            tokensIn: 10,
            tokensOut: 20,
            costUsd: new Prisma.Decimal('0.000123'),
            traceId: 'trace-1',
          },
        },
      },
    });
    const got = await db.prisma.runtimeCommand.findUnique({ where: { id }, include: { attempts: true } });
    assert.ok(got);
    assert.equal(got.status, 'running');
    assert.deepEqual(got.input, base.input);
    assert.equal(got.costUsd.toString(), '0.123456');
    assert.equal(got.attempts.length, 1);
    assert.equal(got.attempts[0]!.attemptNumber, 1);
    assert.equal(got.attempts[0]!.costUsd.toFixed(6), '0.000123');
    assert.ok(got.createdAt instanceof Date);

    const dup = db.prisma.runtimeCommand.create({
      data: { ...base, id: 'c9bf9e57-1685-4c89-bafb-ff5af830be8a', idempotencyKey: 'idem-1', workflowId: 'command-other' },
    });
    await assert.rejects(dup, (err: unknown) => {
      assert.ok(err instanceof Prisma.PrismaClientKnownRequestError, `expected PrismaClientKnownRequestError, got ${String(err)}`);
      assert.equal(err.code, 'P2002');
      assert.ok(isUniqueViolation(err));
      return true;
    });
  });
});
