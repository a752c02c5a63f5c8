/**
 * Splits a migration's SQL into statements with the line each starts on, and keeps the comments
 * by line: the migration gate reads markers from comments and must never mistake a keyword in a
 * string, a quoted identifier or a comment for a statement.
 */

export interface SqlStatement {
  /** 1-based line of the statement's first character. */
  line: number;
  endLine: number;
  /** The statement without comments, whitespace collapsed. */
  text: string;
  /**
   * The same with string literals emptied (''), quoted identifiers emptied ("") and
   * dollar-quoted bodies emptied, upper-cased: safe to match keywords against.
   */
  code: string;
}

export interface SqlSource {
  statements: SqlStatement[];
  /** Comment texts (without -- or /* *\/) by the line they start on. */
  comments: Map<number, string[]>;
  /** Lines holding any SQL (not only comments or whitespace). */
  codeLines: Set<number>;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

export function parseSql(sql: string): SqlSource {
  const statements: SqlStatement[] = [];
  const comments = new Map<number, string[]>();
  const codeLines = new Set<number>();
  let line = 1;
  let text = '';
  let code = '';
  let startLine = 0;

  const addComment = (at: number, body: string): void => {
    const list = comments.get(at) ?? [];
    list.push(body.trim());
    comments.set(at, list);
  };
  // Appends SQL (not comment) text; `masked` is what keyword matching sees instead.
  const emit = (raw: string, masked: string = raw): void => {
    if (startLine === 0 && raw.trim() !== '') startLine = line;
    if (raw.trim() !== '') codeLines.add(line);
    text += raw;
    code += masked;
  };
  const finish = (): void => {
    if (text.trim() !== '') {
      statements.push({
        line: startLine,
        endLine: line,
        text: text.replace(/\s+/g, ' ').trim(),
        code: code.replace(/\s+/g, ' ').trim().toUpperCase(),
      });
    }
    text = '';
    code = '';
    startLine = 0;
  };
  // Copies a quoted run (which may span lines) into the statement, counting its newlines.
  const emitQuoted = (raw: string, masked: string): void => {
    const first = line;
    emit(raw.slice(0, 1), masked);
    for (const ch of raw.slice(1)) if (ch === '\n') line++, codeLines.add(line);
    text += raw.slice(1);
    codeLines.add(first);
  };

  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const rest = sql.slice(i, i + 2);
    if (ch === '\n') {
      text += ch;
      code += ch;
      line++;
      i++;
    } else if (rest === '--') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      addComment(line, sql.slice(i + 2, stop));
      i = stop;
    } else if (rest === '/*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      const body = sql.slice(i + 2, end < 0 ? sql.length : end);
      addComment(line, body);
      line += body.split('\n').length - 1;
      text += ' ';
      code += ' ';
      i = stop;
    } else if (ch === "'" || ch === '"') {
      // A doubled quote inside is an escaped quote, so the run ends at a quote not followed by another.
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      const raw = sql.slice(i, j + 1);
      emitQuoted(raw, ch === "'" ? "''" : '""');
      i = j + 1;
    } else if (ch === '$' && DOLLAR_TAG.test(sql.slice(i))) {
      const tag = sql.slice(i).match(DOLLAR_TAG)![0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      emitQuoted(sql.slice(i, stop), '$$');
      i = stop;
    } else if (ch === ';') {
      emit(';');
      finish();
      i++;
    } else {
      emit(ch);
      i++;
    }
  }
  finish();
  return { statements, comments, codeLines };
}
