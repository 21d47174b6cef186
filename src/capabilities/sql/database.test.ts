/**
 * SqlDatabase against the machine's Postgres, as a SELECT-only role on a private schema: reads with
 * parameters and JSON-typed values, the row / size / time limits, and the three locks — the lexical check
 * (query), and with it bypassed (runReadOnly) the read-only transaction and the role — each refusing
 * writes on its own. No error a guest could read carries the URL or the password.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { createSqlFixture, type SqlFixture } from "../../../test/helpers/sql-fixture.ts";
import { CapabilityError } from "../types.ts";
import { sqlDatabaseConfigSchema } from "./config.ts";
import { SqlDatabase } from "./database.ts";

let fx: SqlFixture;
let db: SqlDatabase;
const limits = { maxRows: 1000, timeoutMs: 5000 };
/** Every error message a test saw, checked at the end for the URL and password. */
const seen: string[] = [];

async function failure(work: Promise<unknown>): Promise<CapabilityError> {
  const err = await work.then(
    () => {
      throw new Error("expected the query to fail");
    },
    (e) => e,
  );
  expect(err).toBeInstanceOf(CapabilityError);
  seen.push(err.message);
  return err;
}

const open = (extra: Record<string, unknown> = {}) => new SqlDatabase("analytics", sqlDatabaseConfigSchema.parse({ url: fx.url, ...extra }));

beforeAll(async () => {
  fx = await createSqlFixture();
  db = open({ maxConnections: 1 }); // one connection: each test also proves the previous one left it clean
});
afterAll(async () => {
  await db?.close();
  await fx?.drop();
});

describe("reading", () => {
  test("a parameterised SELECT returns columns with SQL type names and rows", async () => {
    const r = await db.query(`SELECT id, name FROM ${fx.schema}.items WHERE id > $1 AND name LIKE $2 ORDER BY id LIMIT 3`, [10, "item%"], limits);
    expect(r).toEqual({
      columns: [
        { name: "id", type: "integer" },
        { name: "name", type: "text" },
      ],
      rows: [
        { id: 11, name: "item 11" },
        { id: 12, name: "item 12" },
        { id: 13, name: "item 13" },
      ],
      rowCount: 3,
      truncated: false,
    });
  });

  test("values convert to JSON: exact text for numeric, dates, bytea; bigint as a number only while exact", async () => {
    const r = await db.query(
      `SELECT price, big, added, data, tags, meta, big * 100 AS huge, 'NaN'::float8 AS nan, TIMESTAMPTZ '2024-05-01 12:00:00+02' AS at, NULL::int AS nothing
       FROM ${fx.schema}.items WHERE id = $1`,
      [3],
      limits,
    );
    expect(r.rows).toEqual([
      {
        price: "3.75",
        big: 3000000000000000,
        added: "2024-01-04",
        data: "\\x03",
        tags: ["t3"],
        meta: { n: 3 },
        huge: "300000000000000000",
        nan: "NaN",
        at: "2024-05-01 10:00:00+00",
        nothing: null,
      },
    ]);
    expect(r.columns.map((c) => c.type)).toEqual(["numeric", "bigint", "date", "bytea", "text[]", "jsonb", "bigint", "double precision", "timestamp with time zone", "integer"]);
  });

  test("array and JSON parameters", async () => {
    const r = await db.query(`SELECT count(*)::int AS n FROM ${fx.schema}.items WHERE id = ANY($1) AND meta @> $2::jsonb`, [[1, 2, 3], '{"n": 2}'], limits);
    expect(r.rows).toEqual([{ n: 1 }]);
  });

  test("SHOW and EXPLAIN return their rows", async () => {
    expect((await db.query("SHOW TimeZone", [], limits)).rows).toEqual([{ TimeZone: "UTC" }]);
    const plan = await db.query(`EXPLAIN SELECT * FROM ${fx.schema}.items`, [], limits);
    expect(String(plan.rows[0]!["QUERY PLAN"])).toContain("Seq Scan");
  });
});

describe("limits", () => {
  test("rows past maxRows are cut off and the result says truncated", async () => {
    const r = await db.query(`SELECT id FROM ${fx.schema}.items ORDER BY id`, [], { ...limits, maxRows: 5 });
    expect(r.rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
    expect(r).toMatchObject({ rowCount: 5, truncated: true });
    const exact = await db.query(`SELECT id FROM ${fx.schema}.items WHERE id <= 5`, [], { ...limits, maxRows: 5 });
    expect(exact).toMatchObject({ rowCount: 5, truncated: false });
  });

  test("rows past maxResultBytes are cut off too", async () => {
    const small = open({ maxResultBytes: 1000 });
    const r = await small.query("SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 100) g", [], limits).finally(() => small.close());
    expect(r.truncated).toBe(true);
    expect(r.rowCount).toBeGreaterThan(3);
    expect(JSON.stringify(r.rows).length).toBeLessThanOrEqual(1000);
  });

  test("a query running past its timeout is cancelled by the database", async () => {
    const started = performance.now();
    const err = await failure(db.query("SELECT pg_sleep(5)", [], { ...limits, timeoutMs: 200 }));
    expect(err.code).toBe("limit");
    expect(err.message).toBe("the query ran longer than its 200 ms limit and was cancelled [SQLSTATE 57014]");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a grant may lower the database's limits, never raise them", () => {
    const capped = open({ maxRows: 100, statementTimeoutMs: 2000 });
    expect(capped.limitsFor({})).toEqual({ maxRows: 100, timeoutMs: 2000 });
    expect(capped.limitsFor({ maxRows: 10, timeoutMs: 500 })).toEqual({ maxRows: 10, timeoutMs: 500 });
    expect(capped.limitsFor({ maxRows: 100_000, timeoutMs: 600_000 })).toEqual({ maxRows: 100, timeoutMs: 2000 });
    return capped.close();
  });
});

describe("writes are refused", () => {
  /** Each write, and what Postgres says when the lexical check is bypassed (null: Postgres allows it). */
  const writes = (s: string): [string, RegExp | null][] => [
    [`INSERT INTO ${s}.audit (what) VALUES ('x')`, /cannot execute INSERT in a read-only transaction/],
    [`UPDATE ${s}.items SET name = 'x'`, /cannot execute UPDATE in a read-only transaction/],
    [`DELETE FROM ${s}.items`, /cannot execute DELETE in a read-only transaction/],
    [`CREATE TABLE ${s}.evil (x int)`, /cannot execute CREATE TABLE in a read-only transaction/],
    [`DROP TABLE ${s}.items`, /cannot execute DROP TABLE in a read-only transaction/],
    [`SELECT * FROM ${s}.items FOR UPDATE`, /cannot execute SELECT FOR UPDATE in a read-only transaction/],
    [`WITH d AS (DELETE FROM ${s}.items RETURNING *) SELECT count(*) FROM d`, /in a read-only transaction/], // Postgres names the outer SELECT,
    [`COPY ${s}.audit FROM STDIN`, /permission denied for table audit/], // the role refuses COPY before the transaction does
    [`SELECT nextval('${s}.counter')`, /cannot execute nextval\(\) in a read-only transaction/],
    [`SELECT 1; DELETE FROM ${s}.items`, /cannot insert multiple commands into a prepared statement/],
    // Postgres allows set_config in a read-only transaction; the session-state test shows it does not stick.
    [`SELECT set_config('search_path', 'evil', false)`, null],
  ];

  test("by the lexical check, before anything is sent", async () => {
    for (const [sql] of writes(fx.schema)) {
      const err = await failure(db.query(sql, [], limits));
      expect(err.code).toBe("denied");
      expect(err.message).toStartWith("sql_query refused the statement: ");
    }
  });

  test("a function with side effects passes the check but not the read-only transaction", async () => {
    const err = await failure(db.query(`SELECT ${fx.schema}.log_visit()`, [], limits));
    expect(err.message).toBe("the database refused: cannot execute INSERT in a read-only transaction [SQLSTATE 25006]");
  });

  test("with the check bypassed, the read-only transaction and Postgres refuse them", async () => {
    for (const [sql, refusal] of writes(fx.schema)) {
      if (!refusal) continue;
      const err = await failure(db.runReadOnly(sql, [], limits));
      expect(err.message).toMatch(refusal);
    }
    const count = async (table: string) => (await fx.admin.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${fx.schema}.${table}`))[0]!.n;
    expect(await count("audit")).toBe(0);
    expect(await count("items")).toBe(50);
  });

  test("session state a bypassed statement sets (settings, advisory locks) does not outlive it", async () => {
    await db.runReadOnly("SELECT set_config('search_path', 'evil', false), pg_advisory_lock(424242)", [], limits);
    expect((await db.query("SHOW search_path", [], limits)).rows).toEqual([{ search_path: '"$user", public' }]);
    const [other] = await fx.admin.unsafe<{ got: boolean }[]>("SELECT pg_try_advisory_lock(424242) AS got, pg_advisory_unlock(424242)");
    expect(other!.got).toBe(true);
  });

  test("the role (README's recipe) cannot write even outside a read-only transaction", async () => {
    const direct = postgres(fx.url, { max: 1, onnotice: () => {} });
    try {
      await expect(direct.unsafe(`INSERT INTO ${fx.schema}.audit (what) VALUES ('x')`)).rejects.toThrow("permission denied for table audit");
      await expect(direct.unsafe(`CREATE TABLE ${fx.schema}.evil (x int)`)).rejects.toThrow("permission denied for schema");
    } finally {
      await direct.end();
    }
  });

  test("the role: a table it was not granted is refused by Postgres", async () => {
    const err = await failure(db.query(`SELECT * FROM ${fx.secretTable}`, [], limits));
    expect(err.code).toBe("denied");
    expect(err.message).toBe(`the database refused: permission denied for table secrets [SQLSTATE 42501]`);
  });
});

describe("errors", () => {
  test("a syntax error comes back with Postgres's message", async () => {
    const err = await failure(db.query("SELECT FROM WHERE", [], limits));
    expect(err.code).toBe("invalid");
    expect(err.message).toBe('the query failed: syntax error at or near "WHERE" [SQLSTATE 42601]');
  });

  test("an unreachable database is reported without its address or credentials", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = server.port;
    server.stop(true);
    const url = `postgres://${fx.role}:${fx.password}@127.0.0.1:${port}/test`;
    const down = new SqlDatabase("warehouse", sqlDatabaseConfigSchema.parse({ url }));
    const err = await failure(down.query("SELECT 1", [], limits));
    expect(err.code).toBe("unavailable");
    expect(err.message).toBe('database "warehouse" is unreachable (ECONNREFUSED); try again later');
    await down.close();
  });

  test("a login failure names the database, not the URL", async () => {
    const wrong = new SqlDatabase("warehouse", sqlDatabaseConfigSchema.parse({ url: `postgres://${fx.role}_nobody:${fx.password}@127.0.0.1:5432/test` }));
    const err = await failure(wrong.query("SELECT 1", [], limits));
    expect(err.code).toBe("unavailable");
    expect(err.message).toStartWith('the gateway could not use database "warehouse": ');
    await wrong.close();
  });

  test("no error message carried the URL or the password", () => {
    expect(seen.length).toBeGreaterThan(15);
    for (const message of seen) {
      expect(message).not.toContain(fx.password);
      expect(message).not.toContain("postgres://");
    }
  });
});
