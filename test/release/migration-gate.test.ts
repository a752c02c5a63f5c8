import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrationGateFailures, runMigrationGate, scanMigrations } from '../../release/migration-gate';
import { REPO_ROOT } from '../support/paths';
import { TEST_SERVER_URL } from '../support/database-fixture';

const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');
const SCHEMA_PATH = path.join(REPO_ROOT, 'prisma', 'schema.prisma');

/** A column added and dropped again: destructive, yet no drift, so only the marker decides. */
const addThenDrop = (marker: string): string =>
  [
    '-- AlterTable',
    'ALTER TABLE "runtime_commands" ADD COLUMN "planted_tmp" INTEGER;',
    '',
    '-- AlterTable',
    marker,
    'ALTER TABLE "runtime_commands" DROP COLUMN "planted_tmp";',
    '',
  ].join('\n');

describe('release migration gate', function () {
  this.timeout(120_000);
  const tempDirs: string[] = [];
  after(async () => {
    for (const d of tempDirs) await fs.rm(d, { recursive: true, force: true });
  });

  /** Copy of prisma/migrations (optionally without the last `drop` ones) plus extra migrations. */
  async function plantedMigrations(extra: Record<string, string>, opts: { dropLast?: number } = {}): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'si-gate-migrations-'));
    tempDirs.push(dir);
    await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
    const names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    for (const name of names.slice(names.length - (opts.dropLast ?? 0))) {
      if (opts.dropLast) await fs.rm(path.join(dir, name), { recursive: true });
    }
    for (const [name, sql] of Object.entries(extra)) {
      await fs.mkdir(path.join(dir, name));
      await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
    }
    return dir;
  }
  const gate = (migrationsDir: string) => runMigrationGate({ migrationsDir, schemaPath: SCHEMA_PATH, serverUrl: TEST_SERVER_URL });

  it('passes on the committed migrations and schema', async () => {
    const report = await gate(MIGRATIONS_DIR);
    assert.deepEqual(migrationGateFailures(report), []);
    assert.equal(report.ok, true);
    assert.equal(report.drift.ok, true);
  });

  it('fails on an unmarked DROP COLUMN, naming the migration file and line', async () => {
    const dir = await plantedMigrations({ '99990101000000_planted_drop': addThenDrop('') });
    const report = await gate(dir);
    assert.equal(report.ok, false);
    assert.equal(report.drift.ok, true, report.drift.diff);
    assert.equal(report.destructive.length, 1);
    const [d] = report.destructive;
    assert.equal(d!.migration, '99990101000000_planted_drop');
    assert.equal(d!.line, 6);
    assert.equal(d!.marked, false);
    assert.deepEqual(d!.kinds, ['drop column']);
    const [message] = migrationGateFailures(report);
    assert.ok(message!.startsWith(`${path.join(dir, '99990101000000_planted_drop', 'migration.sql')}:6: drop column without a "-- destructive-ok: <reason>" marker`), message);
    assert.match(message!, /DROP COLUMN "planted_tmp"/);
  });

  it('passes the same DROP COLUMN marked with a reason', async () => {
    const dir = await plantedMigrations({ '99990101000000_planted_drop': addThenDrop('-- destructive-ok: planted_tmp was added just above and never held data') });
    const report = await gate(dir);
    assert.deepEqual(migrationGateFailures(report), []);
    assert.equal(report.ok, true);
    assert.deepEqual(report.destructive.map((d) => [d.marked, d.reason]), [[true, 'planted_tmp was added just above and never held data']]);
  });

  it('fails on drift: the migrations lack the last one schema.prisma already describes', async () => {
    const dir = await plantedMigrations({}, { dropLast: 1 });
    const report = await gate(dir);
    assert.equal(report.ok, false);
    assert.equal(report.drift.ok, false);
    assert.match(report.drift.diff ?? '', /have drifted/);
    assert.match(report.drift.diff ?? '', /^\+ /m, 'the schema has what the dropped migration made');
    assert.match(migrationGateFailures(report).join('\n'), /scripts\/new-migration\.sh/);
  });

  describe('statement scan', () => {
    async function scan(sql: string) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'si-gate-scan-'));
      tempDirs.push(dir);
      await fs.mkdir(path.join(dir, '00000000000000_probe'));
      await fs.writeFile(path.join(dir, '00000000000000_probe', 'migration.sql'), sql);
      return scanMigrations(dir);
    }

    it('flags each destructive kind, with the line each statement starts on', async () => {
      const found = await scan(
        [
          'DROP TABLE "a";',
          'ALTER TABLE "b" DROP "c", ALTER COLUMN "d" SET DATA TYPE VARCHAR(10);',
          'ALTER TABLE public."e" ALTER "f" TYPE integer USING ("f"::integer);',
          'ALTER TABLE "g" RENAME COLUMN "h" TO "i";',
          'ALTER TABLE "g" RENAME TO "j";',
          'DROP TYPE "Status_old";',
          'ALTER TYPE "Status" RENAME VALUE \'a\' TO \'b\';',
          'TRUNCATE "k";',
          'DELETE',
          '  FROM "l" WHERE true;',
          'DROP SCHEMA s CASCADE;',
        ].join('\n'),
      );
      assert.deepEqual(
        found.map((d) => [d.line, d.kinds]),
        [
          [1, ['drop table']],
          [2, ['drop column', 'change column type']],
          [3, ['change column type']],
          [4, ['rename column']],
          [5, ['rename table']],
          [6, ['drop type']],
          [7, ['alter type (rename or drop)']],
          [8, ['truncate']],
          [9, ['delete']],
          [11, ['drop schema']],
        ],
      );
      assert.ok(found.every((d) => !d.marked));
    });

    it('leaves alone what loses no data, and keywords inside strings, identifiers and comments', async () => {
      const found = await scan(
        [
          '-- DROP TABLE "commented_out";',
          '/* TRUNCATE "x";',
          '   DELETE FROM "y"; */',
          'DROP INDEX "idx";',
          'ALTER TABLE "a" DROP CONSTRAINT "a_fkey", ALTER COLUMN "b" DROP DEFAULT, ALTER COLUMN "c" DROP NOT NULL;',
          'ALTER TABLE "drop table" ADD COLUMN "delete from" TEXT DEFAULT \'DROP COLUMN; TRUNCATE\';',
          'ALTER TYPE "Status" ADD VALUE \'drop\';',
          'CREATE FUNCTION f() RETURNS void AS $body$ DELETE FROM t; $body$ LANGUAGE sql;',
          'ALTER TABLE "a" RENAME CONSTRAINT "x" TO "y";',
        ].join('\n'),
      );
      assert.deepEqual(found, []);
    });

    it('reads the marker on the same line or in the comment block above; a blank line, SQL or a missing reason breaks it', async () => {
      const found = await scan(
        [
          'DROP TABLE "same_line"; -- destructive-ok: same line',
          '-- destructive-ok: above a Prisma header',
          '-- DropTable',
          'DROP TABLE "block_above";',
          '-- destructive-ok: too far away',
          '',
          'DROP TABLE "after_blank";',
          'DROP TABLE "other"; -- destructive-ok: belongs to "other" only',
          'DROP TABLE "next_statement";',
          '-- destructive-ok:',
          'DROP TABLE "no_reason";',
        ].join('\n'),
      );
      assert.deepEqual(
        found.map((d) => [d.line, d.marked, d.reason ?? null]),
        [
          [1, true, 'same line'],
          [4, true, 'above a Prisma header'],
          [7, false, null],
          [8, true, 'belongs to "other" only'],
          [9, false, null],
          [11, false, null],
        ],
      );
      assert.match(found[5]!.problem!, /marked .* but without a reason/);
    });
  });
});
