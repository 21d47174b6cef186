/**
 * The sql capability's host function as the loader builds it from a grant: arguments checked with messages
 * that say what to fix, grants capped by the database's limits, and a grant naming a database the gateway
 * does not have still loading and saying what to configure. Queries run against the machine's Postgres.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSqlFixture, type SqlFixture } from "../../../test/helpers/sql-fixture.ts";
import { runOp, SILENT_LOG } from "../testkit.ts";
import { sqlCapabilityConfigSchema, sqlGrantSchema } from "./config.ts";
import { MAX_SQL_LENGTH, sqlCapability, SqlDatabases } from "./index.ts";

let fx: SqlFixture;
let databases: SqlDatabases;

beforeAll(async () => {
  fx = await createSqlFixture();
  databases = new SqlDatabases(sqlCapabilityConfigSchema.parse({ databases: { main: { url: fx.url, maxRows: 10 } } }));
});
afterAll(async () => {
  await databases?.close();
  await fx?.drop();
});

const opsFor = (grant: Record<string, unknown>, resource: SqlDatabases | undefined = databases) =>
  sqlCapability.hostOps(sqlGrantSchema.parse(grant), { plugin: "sql-test", resource, log: SILENT_LOG }) as Record<string, any>;

describe("sql_query host function", () => {
  test("answers rows, with the grant's maxRows below the database's", async () => {
    const ops = opsFor({ database: "main", maxRows: 3 });
    const answer = await runOp(ops, "sql_query", { sql: `SELECT id FROM ${fx.schema}.items WHERE id > $1 ORDER BY id`, params: [40] });
    expect(answer).toEqual({ columns: [{ name: "id", type: "integer" }], rows: [{ id: 41 }, { id: 42 }, { id: 43 }], rowCount: 3, truncated: true });
  });

  test("a grant asking for more rows than the database allows gets the database's limit", async () => {
    const ops = opsFor({ database: "main", maxRows: 5000 });
    const answer = await runOp(ops, "sql_query", { sql: `SELECT id FROM ${fx.schema}.items` });
    expect(answer).toMatchObject({ rowCount: 10, truncated: true });
  });

  test("bad arguments get errors naming the field", async () => {
    const ops = opsFor({ database: "main" });
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'sql_query: "sql" must be a string'],
      [{ sql: "SELECT $1", params: "x" }, 'sql_query: "params" must be an array (the values of $1, $2, ...)'],
      [{ sql: "SELECT $1", params: [[{ a: 1 }]] }, "sql_query: params[0] is an array with an array or object inside; pass it as JSON text and cast it ($1::jsonb)"],
      [{ sql: "SELECT 1 " + " ".repeat(MAX_SQL_LENGTH) }, `sql_query: "sql" is longer than ${MAX_SQL_LENGTH} characters`],
      [{ sql: "DELETE FROM t" }, 'sql_query refused the statement: only reading statements are allowed (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN); this one starts with "delete"'],
    ];
    for (const [arg, message] of cases) {
      const answer = await runOp(ops, "sql_query", arg);
      expect(answer.error.message).toBe(message);
    }
  });

  test("a grant naming a database the gateway lacks loads, and every call says what to configure", async () => {
    const ops = opsFor({ database: "warehouse" });
    expect(await runOp(ops, "sql_query", { sql: "SELECT 1" })).toEqual({
      error: {
        code: "unavailable",
        message: 'no database "warehouse" is configured on this gateway: add capabilities.sql.databases.warehouse.url to its config (configured: main)',
      },
    });
  });

  test("grants and database configs are validated with the field named", () => {
    expect(sqlGrantSchema.safeParse({ database: "main", password: "x" }).success).toBe(false);
    expect(sqlGrantSchema.safeParse({ database: "../main" }).success).toBe(false);
    const bad = sqlCapabilityConfigSchema.safeParse({ databases: { main: { url: "mysql://x" } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toBe("must be a postgres:// or postgresql:// URL");
  });
});
