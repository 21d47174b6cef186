/**
 * Audit end to end over real HTTP: a call becomes one row with the right fields (SQLite by default,
 * Postgres in a private schema), and a HIGH tool's response arrives only after its row is committed.
 */
import { tempFolders } from "../helpers/temp.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import postgres from "postgres";
import { echoPluginsDir } from "../helpers/audit-plugins.ts";
import { connectClient, startTestGateway } from "../helpers/gateway.ts";

const temp = tempFolders();
/** HIGH/CRITICAL tools need approval under the shipped policies; these tests are about audit, not policy. */
const NO_POLICY = { enabled: false };


function sqliteRows(dataDir: string): Record<string, any>[] {
  const db = new Database(join(dataDir, "audit.sqlite"), { readonly: true });
  try {
    return db.query<Record<string, any>, []>("SELECT * FROM audit_records ORDER BY seq").all();
  } finally {
    db.close();
  }
}

describe("audit over HTTP, SQLite (the default)", () => {
  test("a tools/call produces one row with who, what, outcome, hashed arguments, sizes and fuel", async () => {
    const dataDir = temp.make("audit-e2e-");
    const pluginsDir = echoPluginsDir("LOW");
    temp.adopt(pluginsDir);
    await using gw = await startTestGateway({ config: { storage: { dataDir }, plugins: { dir: pluginsDir }, policy: NO_POLICY, audit: { batch: { intervalMs: 5 } } } });
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "echo", arguments: { text: "audit me" } });
    expect(result.isError).toBeFalsy();
    let rows: Record<string, any>[] = [];
    for (let i = 0; i < 500 && !(rows = sqliteRows(dataDir).filter((r) => r.method === "tools/call")).length; i++) await Bun.sleep(5);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toMatchObject({
      principal_id: "anonymous",
      auth_method: "anonymous",
      tenant: "default",
      transport: "http",
      address: "127.0.0.1",
      method: "tools/call",
      target_kind: "tool",
      tool: "echo",
      plugin: "echo",
      risk: "LOW",
      outcome: "ok",
      error_code: null,
      args: null,
      args_hash: new Bun.CryptoHasher("sha256").update(JSON.stringify({ text: "audit me" })).digest("hex"),
    });
    expect(r.session_id).toBeString();
    expect(r.trace_id).toBe(r.id);
    expect(r.fuel_used).toBeGreaterThan(0);
    expect(r.bytes_in).toBeGreaterThan(10);
    expect(r.bytes_out).toBeGreaterThan(10);
    expect(r.duration_ms).toBeGreaterThan(0);
    expect(Math.abs(r.time - Date.now())).toBeLessThan(60_000);
    // initialize is answered at the edge; list calls and unknown tools are audited too.
    await client.listTools();
    await client.callTool({ name: "nope", arguments: {} }).catch(() => {});
    for (let i = 0; i < 500 && sqliteRows(dataDir).length < 3; i++) await Bun.sleep(5);
    const all = sqliteRows(dataDir);
    expect(all.find((x) => x.method === "tools/list")).toBeDefined();
    expect(all.find((x) => x.tool === "nope")).toMatchObject({ outcome: "unknown_tool", error_code: -32602 });
    // Metering per tenant and tool on /metrics.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('mcp_tenant_calls_total{tenant="default",method="tools/call",tool="echo",outcome="ok"} 1');
    expect(metrics).toMatch(/mcp_tenant_fuel_used_total\{tenant="default",tool="echo"\} [1-9]/);
  });

  test("a HIGH tool's response arrives only after its row is committed (and keeps its arguments in full)", async () => {
    const dataDir = temp.make("audit-e2e-");
    const pluginsDir = echoPluginsDir("HIGH");
    temp.adopt(pluginsDir);
    // A batch interval of a minute: a row present right after the response was not written by luck.
    await using gw = await startTestGateway({ config: { storage: { dataDir }, plugins: { dir: pluginsDir }, policy: NO_POLICY, audit: { batch: { intervalMs: 60_000 } } } });
    await using client = await connectClient(gw.mcpUrl);
    for (let i = 0; i < 20; i++) {
      const text = `high-${i}`;
      await client.callTool({ name: "echo", arguments: { text } });
      const row = sqliteRows(dataDir).find((r) => r.args && JSON.parse(r.args).text === text);
      expect(row).toMatchObject({ risk: "HIGH", outcome: "ok" });
    }
    // Concurrent HIGH calls share group commits and each still finds its row.
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const text = `parallel-${i}`;
        await client.callTool({ name: "echo", arguments: { text } });
        expect(sqliteRows(dataDir).some((r) => r.args && JSON.parse(r.args).text === text)).toBe(true);
      }),
    );
  });
});

describe("audit over HTTP, Postgres (real server on 127.0.0.1, private schema)", () => {
  const schema = `audit_e2e_${process.pid}_${Date.now()}`;
  const admin = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {} });
  afterAll(async () => {
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  test("with storage.postgres.url set, a call's row lands in Postgres; a HIGH call's before its response", async () => {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    const pluginsDir = echoPluginsDir("CRITICAL");
    temp.adopt(pluginsDir);
    const url = `postgres://postgres@127.0.0.1:5432/test?search_path=${schema}`;
    await using gw = await startTestGateway({ config: { storage: { postgres: { url } }, plugins: { dir: pluginsDir }, policy: NO_POLICY, audit: { batch: { intervalMs: 60_000 } } } });
    await using client = await connectClient(gw.mcpUrl);
    await client.callTool({ name: "echo", arguments: { text: "to postgres" } });
    const rows = await admin.unsafe(`SELECT * FROM ${schema}.audit_records WHERE method = 'tools/call'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tool: "echo", risk: "CRITICAL", tenant: "default", outcome: "ok", args: { text: "to postgres" } });
    expect(rows[0]!.time).toBeInstanceOf(Date);
  });
});
