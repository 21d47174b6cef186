/**
 * Where API keys are kept: a port with two implementations, the embedded SQLite file (default) and
 * Postgres (when storage.postgres.url is set, so replicas share one key set). The hot path never calls
 * it: ./key-cache.ts loads the keys into memory and reloads them beside the hot path.
 */
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import { connectPostgres, migratePostgres, type Sql } from "./postgres/database.ts";
import { migrateSqlite, openSqlite, type Migration } from "./sqlite/database.ts";
import type { StorageConfig } from "../storage/config.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../ports/api-key-store.ts";

export type { ApiKeyRecord, ApiKeyStore };

/** The SQLite file shared by the stores that keep state under storage.dataDir. */
export const SQLITE_FILE = "mcp-sidecar.db";

// Migration ids are prefixed: the schema_migrations table is shared with other stores.
const SQLITE_MIGRATIONS: Migration[] = [
  {
    id: "authn_0001_api_keys",
    sql: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY, hash TEXT NOT NULL, tenant TEXT NOT NULL, roles TEXT NOT NULL,
      name TEXT, created_at TEXT NOT NULL, revoked_at TEXT)`,
  },
];
const POSTGRES_MIGRATIONS: Migration[] = [
  {
    id: "authn_0001_api_keys",
    sql: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY, hash TEXT NOT NULL, tenant TEXT NOT NULL, roles TEXT NOT NULL,
      name TEXT, created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ)`,
  },
];

interface Row {
  id: string;
  hash: string;
  tenant: string;
  roles: string;
  name: string | null;
  created_at: string | Date;
  revoked_at: string | Date | null;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : v);
const fromRow = (r: Row): ApiKeyRecord => ({
  id: r.id,
  hash: r.hash,
  tenant: r.tenant,
  roles: JSON.parse(r.roles) as string[],
  name: r.name,
  createdAt: iso(r.created_at)!,
  revokedAt: iso(r.revoked_at),
});

export class SqliteKeyStore implements ApiKeyStore {
  constructor(private readonly db: Database) {
    migrateSqlite(db, SQLITE_MIGRATIONS);
  }

  static open(path: string): SqliteKeyStore {
    return new SqliteKeyStore(openSqlite(path));
  }

  async insert(k: ApiKeyRecord): Promise<void> {
    this.db
      .query("INSERT INTO api_keys (id, hash, tenant, roles, name, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(k.id, k.hash, k.tenant, JSON.stringify(k.roles), k.name, k.createdAt, k.revokedAt);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.db.query<Row, []>("SELECT * FROM api_keys ORDER BY created_at, id").all().map(fromRow);
  }

  async revoke(id: string, at = new Date()): Promise<boolean> {
    return this.db.query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at.toISOString(), id).changes > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class PostgresKeyStore implements ApiKeyStore {
  private constructor(private readonly sql: Sql) {}

  static async open(url: string, maxConnections: number): Promise<PostgresKeyStore> {
    const sql = connectPostgres(url, maxConnections);
    try {
      await migratePostgres(sql, POSTGRES_MIGRATIONS);
    } catch (err) {
      await sql.end();
      throw err;
    }
    return new PostgresKeyStore(sql);
  }

  async insert(k: ApiKeyRecord): Promise<void> {
    await this.sql`INSERT INTO api_keys (id, hash, tenant, roles, name, created_at, revoked_at)
      VALUES (${k.id}, ${k.hash}, ${k.tenant}, ${JSON.stringify(k.roles)}, ${k.name}, ${k.createdAt}, ${k.revokedAt})`;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.sql<Row[]>`SELECT * FROM api_keys ORDER BY created_at, id`;
    return rows.map(fromRow);
  }

  async revoke(id: string, at = new Date()): Promise<boolean> {
    const result = await this.sql`UPDATE api_keys SET revoked_at = ${at.toISOString()} WHERE id = ${id} AND revoked_at IS NULL`;
    return result.count > 0;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** The store the configuration asks for: Postgres when its URL is set, else the SQLite file in dataDir. */
export async function openKeyStore(storage: StorageConfig): Promise<ApiKeyStore> {
  if (storage.postgres.url) return PostgresKeyStore.open(storage.postgres.url, Math.min(2, storage.postgres.maxConnections));
  return SqliteKeyStore.open(join(storage.dataDir, SQLITE_FILE));
}
