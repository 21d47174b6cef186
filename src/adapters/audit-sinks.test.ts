import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { AuditRecord } from "../ports/audit-sink.ts";
import { PostgresAuditSink } from "./postgres/audit-sink.ts";
import { SqliteAuditSink } from "./sqlite/audit-sink.ts";

function record(over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: crypto.randomUUID(), time: Date.now(), principalId: "key:ak_1", user: "alice", agent: null, authMethod: "api_key",
    tenant: "acme", sessionId: "s1", transport: "http", address: "127.0.0.1", method: "tools/call", targetKind: "tool",
    tool: "echo", plugin: "echo", risk: "HIGH", decision: "allow", policyId: "p1", reason: "ok",
    shadow: { effect: "deny", policyId: "p2", reason: "shadow" }, findings: [{ stage: "dlp", kind: "email", detail: "1 match", action: "mask" }],
    argsHash: "ab".repeat(32), args: { text: "nul\u0000byte", n: 1 }, outcome: "ok", errorCode: null, errorMessage: null,
    durationMs: 1.25, fuelUsed: 99, bytesIn: 20, bytesOut: 40, traceId: "t1", ...over,
  };
}

describe("SQLite audit sink", () => {
  const dir = mkdtempSync(join(tmpdir(), "audit-sqlite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("creates its table, stores every field, and ignores a record id it already has", async () => {
    const path = join(dir, "audit.sqlite");
    const sink = new SqliteAuditSink(path);
    const a = record();
    const b = record({ args: null, shadow: null, findings: [], errorCode: -32011, errorMessage: "denied", outcome: "denied" });
    await sink.write([a, b]);
    await sink.write([a, b, a]); // a replay after a lost acknowledgement
    await sink.close();
    const reopened = new SqliteAuditSink(path); // migrations are not applied twice
    await reopened.close();
    const { Database } = await import("bun:sqlite");
    const db = new Database(path, { readonly: true });
    const rows = db.query<Record<string, unknown>, []>("SELECT * FROM audit_records ORDER BY seq").all();
    db.close();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: a.id, time: a.time, tenant: "acme", risk: "HIGH", fuel_used: 99, duration_ms: 1.25, trace_id: "t1" });
    expect(JSON.parse(rows[0]!.args as string)).toEqual(a.args);
    expect(JSON.parse(rows[0]!.findings as string)).toEqual(a.findings);
    expect(rows[1]).toMatchObject({ id: b.id, args: null, shadow: null, findings: null, error_code: -32011, outcome: "denied" });
  });
});

describe("SQLite audit sink: its writer thread", () => {
  const dir = mkdtempSync(join(tmpdir(), "audit-sqlite-thread-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const count = async (path: string) => {
    const { Database } = await import("bun:sqlite");
    const db = new Database(path, { readonly: true });
    const n = db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_records").get()!.n;
    db.close();
    return n;
  };

  test("batches posted back to back are all committed, in order, before close returns", async () => {
    const path = join(dir, "burst.sqlite");
    const sink = new SqliteAuditSink(path);
    // 70 rows: two full 32-row statements plus single-row inserts for the rest.
    const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: b === 0 ? 70 : 3 }, () => record()));
    const writes = batches.map((b) => sink.write(b));
    await sink.close();
    await Promise.all(writes);
    expect(await count(path)).toBe(73 + 9);
  });

  test("a database that breaks under it makes write reject with the SQLite error (the writer then spools)", async () => {
    const path = join(dir, "broken.sqlite");
    const sink = new SqliteAuditSink(path);
    await sink.write([record()]);
    const { Database } = await import("bun:sqlite");
    const other = new Database(path);
    other.exec("DROP TABLE audit_records");
    other.close();
    // Not `expect(promise).rejects`: in Bun 1.4 it does not deliver Worker messages while it waits.
    const failed = await sink.write([record()]).catch((err: Error) => err);
    expect(String(failed)).toContain("no such table: audit_records");
    await sink.close();
    const afterClose = await sink.write([record()]).catch((err: Error) => err);
    expect(String(afterClose)).toContain("audit sink is closed");
  });

  test("a path that cannot be a database fails at construction (the gateway does not start) instead of at the first write", () => {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    expect(() => new SqliteAuditSink(join(file, "audit.sqlite"))).toThrow(/not-a-dir/);
  });
});

describe("Postgres audit sink (real server on 127.0.0.1, private schema)", () => {
  const schema = `audit_sink_${process.pid}_${Date.now()}`;
  const admin = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {} });
  afterAll(async () => {
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  test("migrates on first write, stores every field, and ignores a record id it already has", async () => {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    const sink = new PostgresAuditSink(`postgres://postgres@127.0.0.1:5432/test?search_path=${schema}`, 2);
    expect(sink.location).toBe("127.0.0.1:5432/test");
    const a = record();
    const b = record({ args: null, shadow: null, findings: [] });
    await sink.write([a, b]);
    await sink.write([b, a]);
    await sink.close();
    const rows = await admin.unsafe(`SELECT * FROM ${schema}.audit_records ORDER BY time, id`);
    expect(rows).toHaveLength(2);
    const ra = rows.find((r) => r.id === a.id)!;
    expect(ra.time.getTime()).toBe(a.time);
    expect(ra.args).toEqual({ text: "nul\ufffdbyte", n: 1 }); // Postgres cannot store NUL; replaced, not a failed batch
    expect(ra.findings).toEqual(a.findings);
    expect(ra.shadow).toEqual(a.shadow);
    expect(Number(ra.fuel_used)).toBe(99);
  });

  test("a database that is down makes write throw (the writer then spools)", async () => {
    const sink = new PostgresAuditSink("postgres://postgres@127.0.0.1:1/test", 1);
    await expect(sink.write([record()])).rejects.toThrow();
    await sink.close();
  });
});
