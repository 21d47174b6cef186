/**
 * The embedded database: one SQLite file via bun:sqlite, in WAL mode so readers never block the batched
 * writers, with forward-only migrations recorded in a `schema_migrations` table.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface Migration {
  /** Unique, ordered: "0001_audit" etc. Applied once, in id order, each in its own transaction. */
  id: string;
  sql: string;
}

export function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
  return db;
}

/** Applies the migrations not yet recorded; returns the ids it applied. */
export function migrateSqlite(db: Database, migrations: readonly Migration[]): string[] {
  const applied = new Set(db.query<{ id: string }, []>("SELECT id FROM schema_migrations").all().map((r) => r.id));
  const done: string[] = [];
  for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.query("INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)").run(m.id, new Date().toISOString());
    })();
    done.push(m.id);
  }
  return done;
}
