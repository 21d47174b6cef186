/**
 * One configured database of the `sql` capability: a postgres.js pool and the one way a guest's query
 * runs on it. Three locks keep a query to reading:
 *   1. ./read-only.ts refuses anything that is not one reading statement, before it is sent;
 *   2. the statement runs alone (extended protocol: Postgres itself refuses a second statement) inside
 *      BEGIN READ ONLY with a statement_timeout, and is always rolled back; DISCARD ALL afterwards drops
 *      what a rollback does not (session advisory locks, prepared statements) before the connection is reused;
 *   3. the configured role should have SELECT rights only (README "SQL databases").
 * Errors reach the guest as CapabilityErrors with Postgres's message, never the URL or its password.
 */
import postgres from "postgres";
import { CapabilityError } from "../types.ts";
import type { SqlDatabaseConfig } from "./config.ts";
import { checkReadOnly, firstWord } from "./read-only.ts";
import { SQL_RESULT_TYPES, SQL_SESSION } from "./values.ts";

export interface QueryLimits {
  maxRows: number;
  timeoutMs: number;
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  /** Rows returned (after any cut). */
  rowCount: number;
  /** More rows existed than maxRows (or than fit in maxResultBytes); they were not returned. */
  truncated: boolean;
}

/**
 * Utility statements whose rows postgres.js drops in cursor mode (their completion tag carries no row
 * count). Their output is small by nature (a setting, a plan), so they are read whole.
 */
const UNLIMITED_STARTS = new Set(["show", "explain"]);

type Params = readonly (string | number | boolean | null | (string | number | boolean | null)[])[];

export class SqlDatabase {
  private readonly sql: postgres.Sql;
  /** OID -> SQL type name (format_type), learnt as result columns show up. */
  private readonly typeNames = new Map<number, string>();
  private readonly secrets: string[];

  constructor(
    readonly name: string,
    readonly config: SqlDatabaseConfig,
  ) {
    this.sql = postgres(config.url, {
      max: config.maxConnections,
      prepare: false, // nothing named lives on a connection, so DISCARD ALL costs nothing to reuse
      onnotice: () => {},
      connect_timeout: 5,
      idle_timeout: 60,
      types: SQL_RESULT_TYPES,
      connection: SQL_SESSION,
    });
    this.secrets = secretsOf(config.url);
  }

  /** The limits of a grant: its own where it sets them, capped by the database's. */
  limitsFor(grant: { maxRows?: number; timeoutMs?: number }): QueryLimits {
    return {
      maxRows: Math.min(grant.maxRows ?? this.config.maxRows, this.config.maxRows),
      timeoutMs: Math.min(grant.timeoutMs ?? this.config.statementTimeoutMs, this.config.statementTimeoutMs),
    };
  }

  /** Runs one reading statement; anything else is refused before it reaches the database. */
  query(text: string, params: Params, limits: QueryLimits): Promise<QueryResult> {
    const verdict = checkReadOnly(text);
    if (!verdict.ok) return Promise.reject(new CapabilityError("denied", `sql_query refused the statement: ${verdict.reason}`));
    return this.runReadOnly(text, params, limits);
  }

  /**
   * Locks 2 and 3 only: what holds if the lexical check were ever fooled. Public so tests can prove they
   * hold on their own; the host function always goes through query().
   */
  async runReadOnly(text: string, params: Params, limits: QueryLimits): Promise<QueryResult> {
    let conn: postgres.ReservedSql | undefined;
    try {
      conn = await this.sql.reserve();
      // Our own text with an integer we made: safe to send in one simple-protocol round trip.
      await conn.unsafe(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}`);
      const result = await this.read(conn, text, params, limits.maxRows);
      return result;
    } catch (err) {
      throw this.explain(err, limits);
    } finally {
      if (conn) await this.release(conn);
    }
  }

  private async read(conn: postgres.ReservedSql, text: string, params: Params, maxRows: number): Promise<QueryResult> {
    const query = conn.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: false });
    let batch: postgres.RowList<postgres.Row[]> | undefined;
    if (UNLIMITED_STARTS.has(firstWord(text))) {
      batch = (await query) as unknown as postgres.RowList<postgres.Row[]>;
    } else {
      // A cursor fetches maxRows + 1 rows at most (Execute with a row limit): a huge table is never read whole.
      for await (const rows of query.cursor(maxRows + 1)) {
        batch = rows as unknown as postgres.RowList<postgres.Row[]>;
        break;
      }
    }
    const described = (batch?.columns ?? (query as unknown as { statement?: { columns?: postgres.ColumnList<string> } }).statement?.columns ?? []) as postgres.ColumnList<string>;
    const columns = await this.columnsOf(conn, described);
    const all = batch ? Array.from(batch) : [];
    let truncated = all.length > maxRows;
    const rows = all.slice(0, maxRows) as Record<string, unknown>[];
    // Rows past maxResultBytes are cut like rows past maxRows (the JSON size is what the guest receives).
    let bytes = 2;
    for (let i = 0; i < rows.length; i++) {
      bytes += JSON.stringify(rows[i]).length + 1;
      if (bytes > this.config.maxResultBytes) {
        rows.length = i;
        truncated = true;
        break;
      }
    }
    return { columns, rows, rowCount: rows.length, truncated };
  }

  private async columnsOf(conn: postgres.ReservedSql, columns: postgres.ColumnList<string>): Promise<QueryResult["columns"]> {
    const unknown = [...new Set(columns.map((c) => c.type).filter((oid) => !this.typeNames.has(oid)))];
    if (unknown.length > 0) {
      const names = await conn.unsafe<{ oid: number; name: string }[]>(
        "SELECT oid::int4 AS oid, format_type(oid, NULL) AS name FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])",
        [unknown],
      );
      for (const { oid, name } of names) this.typeNames.set(oid, name);
    }
    return columns.map((c) => ({ name: c.name, type: this.typeNames.get(c.type) ?? `oid ${c.type}` }));
  }

  /**
   * Rolls back and resets the session before the connection is reused. If that fails the connection is
   * broken (postgres.js drops a connection whose socket failed), so there is nothing left to reset.
   */
  private async release(conn: postgres.ReservedSql): Promise<void> {
    await Promise.all([conn.unsafe("ROLLBACK"), conn.unsafe("DISCARD ALL")]).catch(() => {});
    conn.release();
  }

  /** A CapabilityError with Postgres's own words, scrubbed of the URL and password. */
  private explain(err: unknown, limits: QueryLimits): CapabilityError {
    if (err instanceof CapabilityError) return err;
    const e = err as { code?: string; message?: string; hint?: string; severity?: string };
    const message = this.scrub(String(e.message ?? err));
    const code = typeof e.code === "string" ? e.code : "";
    if (!e.severity) {
      // Not a Postgres reply: the connection failed (refused, DNS, TLS, timeout...).
      return new CapabilityError("unavailable", `database "${this.name}" is unreachable (${code || message}); try again later`);
    }
    const detail = `${message}${e.hint ? ` (hint: ${this.scrub(e.hint)})` : ""} [SQLSTATE ${code}]`;
    if (code === "57014") return new CapabilityError("limit", `the query ran longer than its ${limits.timeoutMs} ms limit and was cancelled [SQLSTATE 57014]`);
    if (code === "25006" || code === "42501") return new CapabilityError("denied", `the database refused: ${detail}`);
    if (code.startsWith("28") || code.startsWith("08")) {
      return new CapabilityError("unavailable", `the gateway could not use database "${this.name}": ${detail}`);
    }
    return new CapabilityError("invalid", `the query failed: ${detail}`);
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.replaceAll(s, "***");
    return out;
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 1 });
  }
}

/** The URL and its password (raw and decoded): never to appear in what a guest reads. */
function secretsOf(url: string): string[] {
  const out = [url];
  try {
    const password = new URL(url).password;
    if (password) out.push(password, decodeURIComponent(password));
  } catch {
    // an unparseable URL fails at connect; the URL itself is still scrubbed
  }
  return [...new Set(out)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}
