/**
 * The shipped `sql-query` plugin behind a real gateway on 127.0.0.1:0, called over HTTP with the MCP SDK
 * client, against the machine's Postgres as a SELECT-only role on a private schema (test/helpers/sql-fixture).
 * Reads come back as structured content; writes are refused by the plugin, by the gateway when a plugin
 * calls the host function itself, and by the read-only transaction when a function hides one; the row and
 * time limits hold; no answer carries the database URL or password; without a database configured the
 * tool says what to configure.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bearer, dataDirWithKeys } from "../helpers/api-keys.ts";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { createSqlFixture, type SqlFixture } from "../helpers/sql-fixture.ts";
import { tempFolders } from "../helpers/temp.ts";
import { watString, writeWatPlugin } from "../helpers/wat-plugin.ts";

const temp = tempFolders();
let fx: SqlFixture;
let gw: TestGateway;
/** sql-query is MEDIUM risk: the shipped policies let only authenticated callers use it. */
let key: string;
const connect = (url: string) => connectClient(url, {}, bearer(key));
/** Every text a tool call returned, checked at the end for the URL and password. */
const seen: string[] = [];

type Client = Awaited<ReturnType<typeof connectClient>>;
async function query(client: Client, sql: string, params?: unknown[]): Promise<any> {
  const result = (await client.callTool({ name: "sql_query", arguments: params ? { sql, params } : { sql } })) as any;
  seen.push(JSON.stringify(result));
  return result;
}
const textOf = (result: any) => (result.content as { text?: string }[]).map((c) => c.text ?? "").join("");

/**
 * A plugin that skips the shipped plugin's own check: it calls the `sql_query` host function directly with
 * `sql` and returns the host's answer as structuredContent.
 */
function directCaller(sql: string) {
  const arg = JSON.stringify({ sql });
  const prefix = '{"content":[{"type":"text","text":"host answer"}],"structuredContent":';
  const at = 32768;
  const end = at + prefix.length;
  return {
    name: "direct-sql",
    tool: "direct_sql",
    manifest: { grants: { sql: { database: "main" } } },
    extra: `(import "extism:host/user" "sql_query" (func $sql_query (param i64) (result i64)))
      (import "extism:host/env" "length" (func $length (param i64) (result i64)))
      (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
      (data (i32.const 8192) "${watString(arg)}")
      (data (i32.const ${at}) "${watString(prefix)}")
      (global $answer (mut i64) (i64.const 0))
      (global $n (mut i32) (i32.const 0))
      (global $i (mut i32) (i32.const 0))`,
    body: `(global.set $answer (call $sql_query (call $to_block (i32.const 8192) (i32.const ${new TextEncoder().encode(arg).length}))))
      (global.set $n (i32.wrap_i64 (call $length (global.get $answer))))
      (global.set $i (i32.const 0))
      (block $done (loop $copy
        (br_if $done (i32.ge_u (global.get $i) (global.get $n)))
        (i32.store8 (i32.add (i32.const ${end}) (global.get $i)) (call $load_u8 (i64.add (global.get $answer) (i64.extend_i32_u (global.get $i)))))
        (global.set $i (i32.add (global.get $i) (i32.const 1)))
        (br $copy)))
      (i32.store8 (i32.add (i32.const ${end}) (global.get $n)) (i32.const 125))
      (call $emit (i32.const ${at}) (i32.add (i32.const ${prefix.length + 1}) (global.get $n)))
      (return (i32.const 0))`,
  };
}

beforeAll(async () => {
  fx = await createSqlFixture();
  const { dataDir, keys } = dataDirWithKeys(temp, "analyst");
  key = keys[0]!;
  gw = await startTestGateway({
    plugins: ["sql-query"],
    config: {
      storage: { dataDir },
      capabilities: { sql: { databases: { main: { url: fx.url, maxRows: 20, statementTimeoutMs: 1000 } } } },
    },
  });
  writeWatPlugin(gw.pluginsDir, directCaller(`INSERT INTO ${fx.schema}.audit (what) VALUES ('bypass')`));
  await gw.registry.rescan();
});
afterAll(async () => {
  await gw?.stop();
  await fx?.drop();
});

describe("sql_query", () => {
  test("is listed as a read-only tool with input and output schemas", async () => {
    await using client = await connect(gw.mcpUrl);
    const tool = (await client.listTools()).tools.find((t) => t.name === "sql_query");
    expect(tool?.annotations?.readOnlyHint).toBe(true);
    expect(tool?.inputSchema.required).toEqual(["sql"]);
    expect(tool?.outputSchema?.required).toEqual(["columns", "rows", "rowCount", "truncated"]);
  });

  test("a parameterised query returns structured content", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, `SELECT id, name, price, added FROM ${fx.schema}.items WHERE id = ANY($1) ORDER BY id`, [[2, 4]]);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      columns: [
        { name: "id", type: "integer" },
        { name: "name", type: "text" },
        { name: "price", type: "numeric" },
        { name: "added", type: "date" },
      ],
      rows: [
        { id: 2, name: "item 2", price: "2.50", added: "2024-01-03" },
        { id: 4, name: "item 4", price: "5.00", added: "2024-01-05" },
      ],
      rowCount: 2,
      truncated: false,
    });
    expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  });

  test("rows past the database's maxRows are cut off", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, `SELECT id FROM ${fx.schema}.items ORDER BY id`);
    expect(result.structuredContent).toMatchObject({ rowCount: 20, truncated: true });
    expect(result.structuredContent.rows.at(-1)).toEqual({ id: 20 });
  });

  test("a slow query is cancelled at the statement timeout", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, "SELECT pg_sleep(5)");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("the query ran longer than its 1000 ms limit and was cancelled [SQLSTATE 57014]");
  });

  test("a write is refused by the plugin itself", async () => {
    await using client = await connect(gw.mcpUrl);
    for (const sql of [`DELETE FROM ${fx.schema}.items`, `SELECT 1; UPDATE ${fx.schema}.items SET name = 'x'`, `SELECT * FROM ${fx.schema}.items FOR UPDATE`]) {
      const result = await query(client, sql);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toStartWith("the sql-query plugin refused the statement: ");
    }
  });

  test("a plugin calling the host function with a write is refused by the gateway", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = (await client.callTool({ name: "direct_sql", arguments: {} })) as any;
    seen.push(JSON.stringify(result));
    expect(result.structuredContent).toEqual({
      error: { code: "denied", message: 'sql_query refused the statement: only reading statements are allowed (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN); this one starts with "insert"' },
    });
  });

  test("a function that writes passes both checks and is stopped by the read-only transaction", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, `SELECT ${fx.schema}.log_visit()`);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("the database refused: cannot execute INSERT in a read-only transaction [SQLSTATE 25006]");
    const [row] = await fx.admin.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${fx.schema}.audit`);
    expect(row!.n).toBe(0);
  });

  test("a table the role may not read is refused by Postgres", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, `SELECT * FROM ${fx.secretTable}`);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("the database refused: permission denied for table secrets [SQLSTATE 42501]");
  });

  test("a syntax error comes back as Postgres says it", async () => {
    await using client = await connect(gw.mcpUrl);
    const result = await query(client, "SELECT FROM FROM");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('the query failed: syntax error at or near "FROM" [SQLSTATE 42601]');
  });

  test("no answer carried the database URL or password", () => {
    expect(seen.length).toBeGreaterThan(8);
    for (const text of seen) {
      expect(text).not.toContain(fx.password);
      expect(text).not.toContain("postgres://");
    }
  });
});

describe("sql_query on a gateway without databases (the shipped manifest on embedded defaults)", () => {
  test("the plugin loads and the tool says what to configure", async () => {
    const { dataDir, keys } = dataDirWithKeys(temp, "analyst");
    await using bare = await startTestGateway({ plugins: ["sql-query"], config: { storage: { dataDir } } });
    await using client = await connectClient(bare.mcpUrl, {}, bearer(keys[0]!));
    const result = (await client.callTool({ name: "sql_query", arguments: { sql: "SELECT 1" } })) as any;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('no database "main" is configured on this gateway: add capabilities.sql.databases.main.url to its config');
  });
});
