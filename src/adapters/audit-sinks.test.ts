import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
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
