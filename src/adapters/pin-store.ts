/**
 * Where tool pins live: the embedded SQLite file under storage.dataDir by default, Postgres when
 * storage.postgres.url is set (so replicas and the approval CLI share one truth). One row per tool name:
 * the approved definition's hash (and its canonical JSON, to diff against after a restart), and the
 * definition a gateway saw instead, pending approval. `mcp-sidecar tools approve` promotes pending to
 * approved, so what gets approved is exactly what the quarantine log showed, not whatever is on disk.
 *
 * The gateway reads this table at start and every pinning.refreshMs beside the hot path; it never
 * reads it while handling a call.
 */
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import type { StorageConfig } from "../storage/config.ts";
import type { PinRecord, PinStore } from "../ports/pin-store.ts";

export type { PinRecord, PinStore };
import { migrateSqlite, openSqlite, type Migration } from "./sqlite/database.ts";
import { connectPostgres, migratePostgres, type Sql } from "./postgres/database.ts";

export const SQLITE_FILE = "mcp-sidecar.db";

const COLUMNS = "tool, hash, definition, pending_hash, pending_definition, approved_by, approved_at";

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: "firewall_0001_tool_pins",
    sql: `CREATE TABLE firewall_tool_pins (
      tool TEXT PRIMARY KEY, hash TEXT, definition TEXT, pending_hash TEXT, pending_definition TEXT,
      approved_by TEXT, approved_at TEXT)`,
  },
];
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    id: "firewall_0001_tool_pins",
    sql: `CREATE TABLE firewall_tool_pins (
      tool TEXT PRIMARY KEY, hash TEXT, definition TEXT, pending_hash TEXT, pending_definition TEXT,
      approved_by TEXT, approved_at TIMESTAMPTZ)`,
  },
];

type Row = {
  tool: string;
  hash: string | null;
  definition: string | null;
  pending_hash: string | null;
  pending_definition: string | null;
  approved_by: string | null;
  approved_at: string | Date | null;
};

const toRecord = (r: Row): PinRecord => ({
  tool: r.tool,
  hash: r.hash,
  definition: r.definition,
  pendingHash: r.pending_hash,
  pendingDefinition: r.pending_definition,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at instanceof Date ? r.approved_at.toISOString() : r.approved_at,
});

export function openPinStore(storage: StorageConfig): Promise<PinStore> {
  if (storage.postgres.url) return PostgresPinStore.open(connectPostgres(storage.postgres.url, storage.postgres.maxConnections), true);
  return Promise.resolve(SqlitePinStore.open(join(storage.dataDir, SQLITE_FILE)));
}

export class SqlitePinStore implements PinStore {
  readonly kind = "sqlite";
  private constructor(private readonly db: Database) {}

  static open(path: string): SqlitePinStore {
    const db = openSqlite(path);
    migrateSqlite(db, SQLITE_MIGRATIONS);
    return new SqlitePinStore(db);
  }

  async load(): Promise<PinRecord[]> {
    return this.db.query<Row, []>(`SELECT ${COLUMNS} FROM firewall_tool_pins`).all().map(toRecord);
  }

  async pinFirst(tool: string, hash: string, definition: string, by: string): Promise<void> {
    this.db
      .query(
        `INSERT INTO firewall_tool_pins (tool, hash, definition, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
           approved_by = excluded.approved_by, approved_at = excluded.approved_at, pending_hash = NULL, pending_definition = NULL
         WHERE firewall_tool_pins.hash IS NULL`,
      )
      .run(tool, hash, definition, by, new Date().toISOString());
  }

  async setPending(tool: string, hash: string | null, definition: string | null): Promise<void> {
    this.db
      .query(
        `INSERT INTO firewall_tool_pins (tool, pending_hash, pending_definition) VALUES (?, ?, ?)
         ON CONFLICT (tool) DO UPDATE SET pending_hash = excluded.pending_hash, pending_definition = excluded.pending_definition`,
      )
      .run(tool, hash, definition);
  }

  async approve(tool: string, by: string): Promise<PinRecord | undefined> {
    const row = this.db
      .query<Row, [string, string, string]>(
        `UPDATE firewall_tool_pins SET hash = pending_hash, definition = pending_definition, pending_hash = NULL,
           pending_definition = NULL, approved_by = ?, approved_at = ? WHERE tool = ? AND pending_hash IS NOT NULL RETURNING ${COLUMNS}`,
      )
      .get(by, new Date().toISOString(), tool);
    return row ? toRecord(row) : undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class PostgresPinStore implements PinStore {
  readonly kind = "postgres";
  private constructor(
    private readonly sql: Sql,
    private readonly owned: boolean,
  ) {}

  /** `owned`: close() ends the pool (false when the caller shares it, as tests with a private schema do). */
  static async open(sql: Sql, owned: boolean): Promise<PostgresPinStore> {
    try {
      await migratePostgres(sql, POSTGRES_MIGRATIONS);
    } catch (err) {
      if (owned) await sql.end({ timeout: 1 });
      throw new Error(`tool pinning: cannot prepare Postgres (storage.postgres.url): ${(err as Error).message}`);
    }
    return new PostgresPinStore(sql, owned);
  }

  async load(): Promise<PinRecord[]> {
    const rows = await this.sql.unsafe<Row[]>(`SELECT ${COLUMNS} FROM firewall_tool_pins`);
    return rows.map(toRecord);
  }

  async pinFirst(tool: string, hash: string, definition: string, by: string): Promise<void> {
    await this.sql`INSERT INTO firewall_tool_pins (tool, hash, definition, approved_by, approved_at)
      VALUES (${tool}, ${hash}, ${definition}, ${by}, now())
      ON CONFLICT (tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
        approved_by = excluded.approved_by, approved_at = excluded.approved_at, pending_hash = NULL, pending_definition = NULL
      WHERE firewall_tool_pins.hash IS NULL`;
  }

  async setPending(tool: string, hash: string | null, definition: string | null): Promise<void> {
    await this.sql`INSERT INTO firewall_tool_pins (tool, pending_hash, pending_definition) VALUES (${tool}, ${hash}, ${definition})
      ON CONFLICT (tool) DO UPDATE SET pending_hash = excluded.pending_hash, pending_definition = excluded.pending_definition`;
  }

  async approve(tool: string, by: string): Promise<PinRecord | undefined> {
    const rows = await this.sql<Row[]>`UPDATE firewall_tool_pins SET hash = pending_hash, definition = pending_definition,
        pending_hash = NULL, pending_definition = NULL, approved_by = ${by}, approved_at = now()
      WHERE tool = ${tool} AND pending_hash IS NOT NULL
      RETURNING tool, hash, definition, pending_hash, pending_definition, approved_by, approved_at`;
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async close(): Promise<void> {
    if (this.owned) await this.sql.end({ timeout: 5 });
  }
}
