/**
 * Plugin key-value memory in the embedded SQLite file (port: src/ports/kv-store.ts), used when no Redis is
 * configured. Persistent like Redis would be (plugin "memory" should survive a restart), and in the same file
 * as the gateway's other state, so `npm start` needs nothing else. Expired rows are invisible at once and
 * deleted lazily: when a namespace is full, and by a sweep on every few hundred writes.
 */
import type { Database } from "bun:sqlite";
import type { KvListing, KvStore } from "../../ports/kv-store.ts";
import { migrateSqlite, openSqlite, type Migration } from "./database.ts";

export const KV_SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: "kv_0001_entries",
    sql: `CREATE TABLE kv_entries (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
      PRIMARY KEY (ns, key)) WITHOUT ROWID`,
  },
];

const SWEEP_EVERY_WRITES = 256;
/** Live = no expiry, or expiry in the future. */
const LIVE = "(expires_at IS NULL OR expires_at > $now)";

export class SqliteKvStore implements KvStore {
  readonly kind = "sqlite";
  private writes = 0;

  constructor(private readonly db: Database) {
    migrateSqlite(db, KV_SQLITE_MIGRATIONS);
  }

  static open(path: string): SqliteKvStore {
    return new SqliteKvStore(openSqlite(path));
  }

  async get(ns: string, key: string): Promise<string | null> {
    const row = this.db
      .query<{ value: string }, any>(`SELECT value FROM kv_entries WHERE ns = $ns AND key = $key AND ${LIVE}`)
      .get({ ns, key, now: Date.now() });
    return row?.value ?? null;
  }

  async set(ns: string, key: string, value: string, opts: { ttlMs?: number; maxKeys: number }): Promise<"ok" | "full"> {
    const now = Date.now();
    const expiresAt = opts.ttlMs ? now + opts.ttlMs : null;
    const outcome = this.db.transaction((): "ok" | "full" => {
      const exists = this.db.query(`SELECT 1 FROM kv_entries WHERE ns = $ns AND key = $key AND ${LIVE}`).get({ ns, key, now });
      if (!exists) {
        const { n } = this.db.query<{ n: number }, any>(`SELECT count(*) AS n FROM kv_entries WHERE ns = $ns AND ${LIVE}`).get({ ns, now })!;
        if (n >= opts.maxKeys) return "full";
      }
      this.db
        .query(`INSERT INTO kv_entries (ns, key, value, expires_at) VALUES ($ns, $key, $value, $expiresAt)
          ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`)
        .run({ ns, key, value, expiresAt });
      return "ok";
    }).immediate();
    if (++this.writes % SWEEP_EVERY_WRITES === 0) this.db.query("DELETE FROM kv_entries WHERE expires_at <= $now").run({ now });
    return outcome;
  }

  async delete(ns: string, key: string): Promise<boolean> {
    const live = this.db.query(`SELECT 1 FROM kv_entries WHERE ns = $ns AND key = $key AND ${LIVE}`).get({ ns, key, now: Date.now() });
    this.db.query("DELETE FROM kv_entries WHERE ns = $ns AND key = $key").run({ ns, key });
    return Boolean(live);
  }

  async list(ns: string, prefix: string, limit: number): Promise<KvListing> {
    // A range scan on the primary key: keys >= prefix, stopping at the first key that no longer starts with it
    // (LIKE would need escaping and is case-insensitive).
    const rows = this.db
      .query<{ key: string }, any>(`SELECT key FROM kv_entries WHERE ns = $ns AND key >= $prefix AND ${LIVE} ORDER BY key LIMIT $scan`)
      .all({ ns, prefix, now: Date.now(), scan: limit + 1 });
    const keys = rows.map((r) => r.key);
    const matching = keys.findIndex((k) => !k.startsWith(prefix));
    const inRange = matching === -1 ? keys : keys.slice(0, matching);
    return { keys: inRange.slice(0, limit), more: inRange.length > limit };
  }

  close(): void {
    this.db.close();
  }
}
