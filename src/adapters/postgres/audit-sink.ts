/**
 * The Postgres audit sink (the `postgres` package), used when storage.postgres.url is set. The table lives
 * in the connection's search_path, so `?search_path=myschema` in the URL keeps it in a schema of its own.
 *
 * Migrations run lazily before the first write and again after a failed attempt, so a gateway that starts
 * while Postgres is down still serves (the writer spools) and creates its table when the database returns.
 * Inserts are one multi-row statement per batch with ON CONFLICT (id) DO NOTHING: idempotent by record id.
 */
import type { AuditRecord, AuditSink } from "../../ports/audit-sink.ts";
import type { Migration } from "../sqlite/database.ts";
import { connectPostgres, migratePostgres, type Sql } from "./database.ts";
import { AUDIT_COLUMNS as COLUMNS } from "../audit-columns.ts";

export const POSTGRES_AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    id: "audit_0001_records",
    sql: `
      CREATE TABLE audit_records (
        id UUID PRIMARY KEY,
        time TIMESTAMPTZ NOT NULL,
        principal_id TEXT NOT NULL, user_id TEXT, agent TEXT, auth_method TEXT NOT NULL,
        tenant TEXT NOT NULL, session_id TEXT NOT NULL, transport TEXT NOT NULL, address TEXT,
        method TEXT NOT NULL, target_kind TEXT, tool TEXT, plugin TEXT, risk TEXT,
        decision TEXT, policy_id TEXT, reason TEXT, shadow JSONB, findings JSONB,
        args_hash TEXT, args JSONB, outcome TEXT NOT NULL, error_code INTEGER, error_message TEXT,
        duration_ms DOUBLE PRECISION NOT NULL, fuel_used BIGINT NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL,
        trace_id TEXT NOT NULL
      );
      CREATE INDEX audit_records_tenant_time ON audit_records (tenant, time);
      CREATE INDEX audit_records_trace_id ON audit_records (trace_id);
    `,
  },
];

/** Postgres allows 65,535 bind parameters per statement; 30 columns => at most 2,184 rows per insert. */
const MAX_ROWS_PER_INSERT = 2000;

export class PostgresAuditSink implements AuditSink {
  readonly kind = "postgres";
  readonly location: string;
  private readonly sql: Sql;
  private migrated: Promise<unknown> | undefined;

  constructor(url: string, maxConnections: number) {
    this.sql = connectPostgres(url, maxConnections);
    const u = new URL(url);
    this.location = `${u.hostname}:${u.port || 5432}${u.pathname}`; // never the credentials
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (!records.length) return;
    this.migrated ??= migratePostgres(this.sql, POSTGRES_AUDIT_MIGRATIONS).catch((err) => {
      this.migrated = undefined;
      throw err;
    });
    await this.migrated;
    const sql = this.sql;
    const json = (v: unknown) => sql.json((JSON.stringify(v).includes("\\u0000") ? noNul(v) : v) as never);
    const rows = records.map((r) => ({
      id: r.id, time: new Date(r.time), principal_id: text(r.principalId), user_id: text(r.user), agent: text(r.agent), auth_method: r.authMethod,
      tenant: text(r.tenant), session_id: text(r.sessionId), transport: r.transport, address: text(r.address), method: text(r.method),
      target_kind: r.targetKind, tool: text(r.tool), plugin: text(r.plugin), risk: r.risk, decision: r.decision, policy_id: text(r.policyId),
      reason: text(r.reason), shadow: r.shadow ? json(r.shadow) : null, findings: r.findings.length ? json(r.findings) : null,
      args_hash: r.argsHash, args: r.args ? json(r.args) : null, outcome: text(r.outcome), error_code: r.errorCode,
      error_message: text(r.errorMessage), duration_ms: r.durationMs, fuel_used: r.fuelUsed, bytes_in: r.bytesIn, bytes_out: r.bytesOut,
      trace_id: text(r.traceId),
    }));
    if (rows.length <= MAX_ROWS_PER_INSERT) {
      await sql`INSERT INTO audit_records ${sql(rows as never, ...COLUMNS)} ON CONFLICT (id) DO NOTHING`;
      return;
    }
    await sql.begin(async (tx) => {
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
        const chunk = rows.slice(i, i + MAX_ROWS_PER_INSERT);
        await tx`INSERT INTO audit_records ${tx(chunk as never, ...COLUMNS)} ON CONFLICT (id) DO NOTHING`;
      }
    });
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 2 });
  }
}

/**
 * Postgres rejects NUL in text and `\u0000` in jsonb. Caller-controlled strings (arguments, tool names)
 * may hold one, and a batch that fails on it would fail again on every replay, so NUL becomes U+FFFD.
 */
function text<T extends string | null>(s: T): T {
  return (s !== null && s.includes("\0") ? s.replaceAll("\0", "\ufffd") : s) as T;
}

function noNul(v: unknown): unknown {
  if (typeof v === "string") return text(v);
  if (Array.isArray(v)) return v.map(noNul);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[text(k)] = noNul(x);
    return out;
  }
  return v;
}
