/**
 * The first of three locks on `sql_query`: a lexical check that a statement only reads, so the common
 * mistakes and the obvious attacks get a clear refusal before anything reaches the database. It is not the
 * one that must hold — the statement also runs in a READ ONLY transaction that is always rolled back, on a
 * role that should have SELECT rights only (README "SQL databases") — so it errs on the side of refusing.
 *
 * The text is tokenised the way Postgres reads it (comments, '' and E'' strings, dollar quotes, "quoted"
 * identifiers, $n parameters), then: one statement only; it starts with SELECT / WITH / VALUES / TABLE /
 * SHOW / EXPLAIN; no data-changing keyword anywhere (a WITH may hide an INSERT); no locking clause (FOR
 * UPDATE / SHARE); no call of a function known to change state outside the transaction.
 */

export type Verdict = { ok: true } | { ok: false; reason: string };

interface Token {
  kind: "word" | "quoted" | "punct";
  /** Lower-cased for words, as written for quoted identifiers, the character for punctuation. */
  text: string;
}

const READ_STARTS = new Set(["select", "with", "values", "table", "show", "explain"]);

/**
 * Keywords that change something, refused anywhere in the text. A statement already has to start with a
 * reading keyword, so this list is about what can hide inside one: a data-changing WITH (insert, update,
 * delete, merge), SELECT ... INTO (creates a table), and what EXPLAIN can wrap (execute, declare, create).
 * The rest are cheap extra refusals of words no reading query needs.
 */
const WRITE_WORDS = new Set([
  "insert", "update", "delete", "merge", "into", "execute", "create", "declare", "truncate", "drop", "alter",
  "grant", "revoke", "copy",
]);

/**
 * Functions that act outside the statement's own reading: settings, sequences, advisory locks (they outlive
 * a rollback), files, other backends, notifications, and the *_to_xml family (they run a query string).
 */
const WRITE_FUNCTIONS = [
  /^set_config$/, /^nextval$/, /^setval$/, /^pg_(try_)?advisory_/, /^lo_/, /^pg_read_(binary_)?file$/,
  /^pg_ls_/, /^pg_stat_file$/, /^pg_(terminate|cancel)_backend$/, /^pg_reload_conf$/, /^pg_rotate_logfile/,
  /^pg_notify$/, /^dblink/, /^(query|cursor|table|schema|database)_to_xml/, /^txid_current/, /^pg_current_xact_id/,
  /^pg_switch_wal$/, /^pg_create_/, /^pg_drop_/, /^pg_logical_/, /^pg_replication_/, /^pg_promote$/,
  /^pg_file_/, /^pg_import_system_collations$/, /^pg_stat_reset/, /^pg_backup_/, /^pg_wal_replay_/,
];

export function checkReadOnly(sql: string): Verdict {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  while (tokens.length > 0 && tokens[tokens.length - 1]!.kind === "punct" && tokens[tokens.length - 1]!.text === ";") tokens.pop();
  if (tokens.length === 0) return { ok: false, reason: "the statement is empty" };
  if (tokens.some((t) => t.kind === "punct" && t.text === ";")) {
    return { ok: false, reason: "only one statement per query is allowed (found a ';' before the end)" };
  }
  const first = tokens.find((t) => !(t.kind === "punct" && t.text === "("));
  if (!first || first.kind !== "word" || !READ_STARTS.has(first.text)) {
    return { ok: false, reason: `only reading statements are allowed (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN); this one starts with "${first?.text ?? "("}"` };
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === "word" && WRITE_WORDS.has(t.text)) {
      return { ok: false, reason: `"${t.text.toUpperCase()}" is not allowed in a read-only query (if it is a column or table name, write it in double quotes)` };
    }
    if (t.kind === "word" && t.text === "for" && next?.kind === "word" && ["update", "share", "no", "key"].includes(next.text)) {
      return { ok: false, reason: "locking clauses (FOR UPDATE / FOR SHARE) are not allowed in a read-only query" };
    }
    if (t.kind !== "punct" && next?.text === "(" && next.kind === "punct") {
      const name = t.text.toLowerCase();
      if (WRITE_FUNCTIONS.some((re) => re.test(name))) return { ok: false, reason: `the function ${name}() changes state and is not allowed in a read-only query` };
    }
  }
  return { ok: true };
}

/** The statement's first keyword, lower-cased ("" if it has none or cannot be read). */
export function firstWord(sql: string): string {
  try {
    return tokenize(sql).find((t) => !(t.kind === "punct" && t.text === "("))?.text ?? "";
  } catch {
    return "";
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Splits `sql` into words, quoted identifiers and punctuation; strings, numbers and comments are dropped. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < n && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      // E'...' takes backslash escapes; the prefix was read as the word "e" just before.
      const prev = tokens[tokens.length - 1];
      const escapes = prev?.kind === "word" && prev.text === "e" && sql[i - 1]!.toLowerCase() === "e";
      i = skipQuoted(sql, i, "'", escapes, "string");
    } else if (c === '"') {
      const prev = tokens[tokens.length - 1];
      if (prev?.text === "&" && tokens[tokens.length - 2]?.text === "u") {
        throw new Error('Unicode-escaped identifiers (U&"...") are not accepted; write the name plainly');
      }
      const end = skipQuoted(sql, i, '"', false, "quoted identifier");
      tokens.push({ kind: "quoted", text: sql.slice(i + 1, end - 1).replaceAll('""', '"') });
      i = end;
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 65));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new Error(`unterminated dollar-quoted string (${tag[0]})`);
        i = close + tag[0].length;
      } else {
        i++;
        while (i < n && /[0-9]/.test(sql[i]!)) i++; // $1: a parameter
      }
    } else if (WORD_START.test(c)) {
      const start = i;
      while (i < n && WORD_PART.test(sql[i]!)) i++;
      tokens.push({ kind: "word", text: sql.slice(start, i).toLowerCase() });
    } else if (/[0-9.]/.test(c) && !(c === "." && !/[0-9]/.test(sql[i + 1] ?? ""))) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) i++; // numbers, 1e5, 0x1F, 1_000
    } else {
      tokens.push({ kind: "punct", text: c });
      i++;
    }
  }
  return tokens;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw new Error("unterminated /* comment");
}

/** The index after the closing quote; a doubled quote is an escaped one. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean, what: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === "\\") {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  throw new Error(`unterminated ${what}`);
}
