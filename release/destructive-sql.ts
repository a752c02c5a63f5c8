/**
 * Which SQL statements can lose data or break the code still running during a rolling deploy.
 *
 * Flagged: DROP TABLE / SCHEMA / SEQUENCE / TYPE / DOMAIN; ALTER TABLE ... DROP [COLUMN],
 * ALTER COLUMN ... [SET DATA] TYPE (narrowing loses data, any change can fail on existing rows or
 * rewrite the table under lock), RENAME [COLUMN] / RENAME TO (old code still uses the old name);
 * ALTER TYPE ... RENAME / DROP (enum values old code writes); TRUNCATE; DELETE FROM.
 *
 * Not flagged, on purpose: DROP INDEX, DROP CONSTRAINT, DROP DEFAULT, DROP NOT NULL, DROP VIEW,
 * DROP FUNCTION/TRIGGER (no stored data is lost; each can be recreated from the schema), ADD
 * anything, SET NOT NULL (fails loudly on bad rows instead of losing them), UPDATE (data fixes are
 * reviewed as code).
 */
import type { SqlStatement } from './sql-statements';

export type DestructiveKind =
  | 'drop table'
  | 'drop schema'
  | 'drop sequence'
  | 'drop type'
  | 'drop domain'
  | 'drop column'
  | 'change column type'
  | 'rename column'
  | 'rename table'
  | 'alter type (rename or drop)'
  | 'truncate'
  | 'delete';

const NAME = String.raw`(?:""|[A-Z_][A-Z0-9_$]*)`;
const ALTER_TABLE_PREFIX = new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${NAME}(?:\.${NAME})?(?: \*)? `);

/** Splits on commas outside parentheses: one piece per ALTER TABLE action. */
function topLevelPieces(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out;
}

function alterTableAction(action: string): DestructiveKind | undefined {
  if (/^DROP (?!CONSTRAINT\b)/.test(action)) return 'drop column';
  if (new RegExp(String.raw`^ALTER (?:COLUMN )?${NAME} (?:SET DATA )?TYPE\b`).test(action)) return 'change column type';
  if (/^RENAME TO\b/.test(action)) return 'rename table';
  if (/^RENAME (?!CONSTRAINT\b)/.test(action)) return 'rename column';
  return undefined;
}

/** The destructive kinds one statement has (empty when it is safe). */
export function destructiveKinds(statement: SqlStatement): DestructiveKind[] {
  const code = statement.code.replace(/;$/, '').trim();
  const kinds = new Set<DestructiveKind>();
  const drop = code.match(/^DROP (TABLE|SCHEMA|SEQUENCE|TYPE|DOMAIN)\b/);
  if (drop) kinds.add(`drop ${drop[1]!.toLowerCase()}` as DestructiveKind);
  const alterTable = code.match(ALTER_TABLE_PREFIX);
  if (alterTable) {
    for (const action of topLevelPieces(code.slice(alterTable[0].length))) {
      const kind = alterTableAction(action);
      if (kind) kinds.add(kind);
    }
  }
  if (/^ALTER TYPE .* (?:RENAME|DROP)\b/.test(code)) kinds.add('alter type (rename or drop)');
  if (/^TRUNCATE\b/.test(code)) kinds.add('truncate');
  if (/\bDELETE FROM\b/.test(code)) kinds.add('delete');
  return [...kinds];
}
