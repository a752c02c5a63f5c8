/**
 * Migration safety gate: no destructive statement ships unless someone wrote down why it is safe,
 * and the migrations build exactly the schema schema.prisma describes.
 *
 * The marker is a comment `-- destructive-ok: <reason>` on the statement's own lines or in the
 * comment lines directly above it (no blank line between), so it sits beside the
 * `-- AlterTable` headers Prisma writes. One marker covers one statement; the reason is required.
 */
import * as path from 'node:path';
import { readMigrations } from '../persistence/migrations';
import { destructiveKinds, type DestructiveKind } from './destructive-sql';
import { repoRoot } from './repo-root';
import { checkSchemaDrift, type DriftResult } from './schema-drift';
import { parseSql, type SqlSource, type SqlStatement } from './sql-statements';

export const DESTRUCTIVE_OK_MARKER = 'destructive-ok:';

export interface DestructiveStatement {
  /** Migration directory name, e.g. 20261125043150_init. */
  migration: string;
  /** migration.sql, relative to the repository when inside it. */
  file: string;
  line: number;
  kinds: DestructiveKind[];
  statement: string;
  marked: boolean;
  reason?: string;
  /** Why an unmarked statement fails, in words an engineer acts on. */
  problem?: string;
}

export interface MigrationGateReport {
  ok: boolean;
  destructive: DestructiveStatement[];
  drift: DriftResult;
}

export interface MigrationGateOptions {
  migrationsDir: string;
  schemaPath: string;
  /** PostgreSQL server for the drift check's two scratch databases. */
  serverUrl: string;
}

const MARKER = /destructive-ok:(.*)$/i;

/** The marker's reason for a statement: '' when marked without one, undefined when unmarked. */
function markerFor(statement: SqlStatement, source: SqlSource): string | undefined {
  const found = (line: number): string | undefined => {
    for (const comment of source.comments.get(line) ?? []) {
      const m = comment.match(MARKER);
      if (m) return m[1]!.trim();
    }
    return undefined;
  };
  for (let l = statement.line; l <= statement.endLine; l++) {
    const reason = found(l);
    if (reason !== undefined) return reason;
  }
  // Upwards through comment-only lines; a blank line or SQL ends the block.
  for (let l = statement.line - 1; l >= 1 && source.comments.has(l) && !source.codeLines.has(l); l--) {
    const reason = found(l);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function displayPath(file: string): string {
  const relative = path.relative(repoRoot(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Every destructive statement in every migration, marked or not. */
export async function scanMigrations(migrationsDir: string): Promise<DestructiveStatement[]> {
  const found: DestructiveStatement[] = [];
  for (const migration of await readMigrations(migrationsDir)) {
    const file = displayPath(path.join(migrationsDir, migration.name, 'migration.sql'));
    const source = parseSql(migration.sql);
    for (const statement of source.statements) {
      const kinds = destructiveKinds(statement);
      if (kinds.length === 0) continue;
      const reason = markerFor(statement, source);
      const marked = reason !== undefined && reason !== '';
      const entry: DestructiveStatement = { migration: migration.name, file, line: statement.line, kinds, statement: statement.text, marked };
      if (marked) entry.reason = reason;
      else
        entry.problem =
          reason === ''
            ? `${kinds.join(', ')} is marked "-- ${DESTRUCTIVE_OK_MARKER}" but without a reason; write why it is safe`
            : `${kinds.join(', ')} without a "-- ${DESTRUCTIVE_OK_MARKER} <reason>" marker; make the change additive (expand, migrate, contract) or mark it with why it is safe`;
      found.push(entry);
    }
  }
  return found;
}

export async function runMigrationGate(opts: MigrationGateOptions): Promise<MigrationGateReport> {
  const destructive = await scanMigrations(opts.migrationsDir);
  const drift = await checkSchemaDrift(opts);
  return { ok: drift.ok && destructive.every((d) => d.marked), destructive, drift };
}

/** One line per problem, naming the migration file and line, e.g. for CI output. */
export function migrationGateFailures(report: MigrationGateReport): string[] {
  const lines = report.destructive
    .filter((d) => !d.marked)
    .map((d) => `${d.file}:${d.line}: ${d.problem}: ${truncate(d.statement)}`);
  if (!report.drift.ok) lines.push(report.drift.diff ?? 'schema.prisma and the migrations have drifted');
  return lines;
}

const truncate = (s: string, max = 200): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
