import { afterAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { migratePostgres } from "./postgres/database.ts";
import { migrateSqlite, openSqlite } from "./sqlite/database.ts";

const MIGRATIONS = [
  { id: "0002_more", sql: "ALTER TABLE things ADD COLUMN color TEXT" },
  { id: "0001_things", sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)" },
];

describe("SQLite migrations", () => {
  test("apply in id order once, and again apply nothing", () => {
    const db = openSqlite(":memory:");
    expect(migrateSqlite(db, MIGRATIONS)).toEqual(["0001_things", "0002_more"]);
    expect(migrateSqlite(db, MIGRATIONS)).toEqual([]);
    db.query("INSERT INTO things (name, color) VALUES ('a', 'red')").run();
    expect(db.query("SELECT name, color FROM things").all()).toEqual([{ name: "a", color: "red" }]);
  });

  test("a failing migration leaves nothing half-applied", () => {
    const db = openSqlite(":memory:");
    const bad = [{ id: "0001_bad", sql: "CREATE TABLE ok (x INTEGER); CREATE TABLE broken (" }];
    expect(() => migrateSqlite(db, bad)).toThrow();
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'ok'").all()).toEqual([]);
  });
});

describe("Postgres migrations (real server on 127.0.0.1, private schema)", () => {
  const schema = `mig_test_${process.pid}_${Date.now()}`;
  const admin = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {} });
  const sql = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {}, connection: { search_path: schema } });
  afterAll(async () => {
    await sql.end();
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  test("apply once under the advisory lock, even when two replicas race", async () => {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    const pgMigrations = MIGRATIONS.map((m) => ({ ...m, sql: m.sql.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY") }));
    const [a, b] = await Promise.all([migratePostgres(sql as never, pgMigrations), migratePostgres(sql as never, pgMigrations)]);
    expect([...a, ...b].sort()).toEqual(["0001_things", "0002_more"]);
    await sql`INSERT INTO things (name, color) VALUES ('a', 'blue')`;
    expect([...(await sql`SELECT name, color FROM things`)]).toEqual([{ name: "a", color: "blue" }]);
  });
});
