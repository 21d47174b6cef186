/**
 * Postgres via the `postgres` package, with the same forward-only migrations as SQLite. Migrations run
 * under an advisory lock so replicas starting together do not apply one twice.
 */
import postgres from "postgres";
import type { Migration } from "../sqlite/database.ts";

export type Sql = postgres.Sql<Record<string, never>>;

/** Arbitrary constant identifying mcp-sidecar's migration lock. */
const MIGRATION_LOCK = 0x6d6370_5f6d6967;

export function connectPostgres(url: string, maxConnections: number): Sql {
  return postgres(url, {
    max: maxConnections,
    onnotice: () => {}, // "relation already exists, skipping" and the like are not news
    connect_timeout: 5,
  }) as Sql;
}

export async function migratePostgres(sql: Sql, migrations: readonly Migration[]): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`;
    const applied = new Set((await tx<{ id: string }[]>`SELECT id FROM schema_migrations`).map((r) => r.id));
    const done: string[] = [];
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (applied.has(m.id)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (id) VALUES (${m.id})`;
      done.push(m.id);
    }
    return done;
  }) as Promise<string[]>;
}
