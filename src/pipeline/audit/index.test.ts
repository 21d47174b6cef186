import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from "@opentelemetry/api";
import * as fs from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../config/load.ts";
import { createLogger } from "../../log.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { Chain } from "../chain.ts";
import { auditSinkSpec, createAuditStage } from "./index.ts";
import { makeCall, MemorySink } from "./test-support.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(audit: Record<string, unknown> = {}, storage: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "audit-stage-"));
  dirs.push(dataDir);
  const config = validateConfig({ storage: { dataDir, ...storage }, audit }, "test");
  const sink = new MemorySink();
  const built = createAuditStage({ config, log: createLogger("silent"), metrics: new MetricsRegistry(), catalog: () => undefined as never, openSink: () => sink });
  const chain = new Chain({ audit: built.stage });
  return { ...built, sink, chain, dataDir };
}

describe("audit stage", () => {
  test("one record per call carries who, where, what, the decision, findings, outcome and sizes", async () => {
    const { chain, sink, writer, close } = setup();
    const call = makeCall({
      args: { text: "hello" },
      principal: { id: "jwt:iss|alice", tenant: "acme", user: "alice", agent: "spiffe://mesh/agent", roles: ["dev"], method: "jwt", attributes: {} },
    });
    call.decision = { effect: "allow", policyId: "low-default", reason: "LOW tools are open to tenant members", shadow: { effect: "deny", policyId: "new-rule", reason: "would deny" } };
    call.findings.push({ stage: "firewall", kind: "secret", detail: "aws key in arguments", action: "flag" });
    await chain.run(call, (c) => {
      c.fuelUsed = 42;
      return { content: [{ type: "text", text: "hello" }] };
    });
    await writer.flush();
    const r = sink.rows.get(call.id)!;
    expect(r).toMatchObject({
      id: call.id,
      time: call.startedAt,
      principalId: "jwt:iss|alice",
      user: "alice",
      agent: "spiffe://mesh/agent",
      authMethod: "jwt",
      tenant: "acme",
      sessionId: "session-1",
      transport: "http",
      address: "127.0.0.1",
      method: "tools/call",
      targetKind: "tool",
      tool: "echo",
      plugin: "echo",
      risk: "LOW",
      decision: "allow",
      policyId: "low-default",
      reason: "LOW tools are open to tenant members",
      shadow: { effect: "deny", policyId: "new-rule", reason: "would deny" },
      findings: [{ stage: "firewall", kind: "secret", detail: "aws key in arguments", action: "flag" }],
      argsHash: new Bun.CryptoHasher("sha256").update(JSON.stringify({ text: "hello" })).digest("hex"),
      args: null, // LOW: hashed, not kept
      outcome: "ok",
      errorCode: null,
      fuelUsed: 42,
      bytesIn: JSON.stringify(call.request.params).length,
      bytesOut: JSON.stringify({ content: [{ type: "text", text: "hello" }] }).length,
      traceId: call.id,
    });
    expect(r.durationMs).toBeGreaterThan(0);
    await close();
  });

  test("HIGH/CRITICAL arguments are kept in full; which levels is configurable", async () => {
    const a = setup();
    const high = makeCall({ risk: "HIGH", args: { cmd: "rm -rf /tmp/x" } });
    await a.chain.run(high, () => ({}));
    expect(a.sink.rows.get(high.id)!.args).toEqual({ cmd: "rm -rf /tmp/x" });
    await a.close();
    const b = setup({ fullArgumentsRisks: ["CRITICAL"] });
    const high2 = makeCall({ risk: "HIGH", args: { cmd: "x" } });
    await b.chain.run(high2, () => ({}));
    await b.writer.flush();
    expect(b.sink.rows.get(high2.id)!.args).toBeNull();
    expect(b.sink.rows.get(high2.id)!.argsHash).toHaveLength(64);
    await b.close();
  });

  test("a HIGH call's response waits for its record's commit; a LOW call's does not", async () => {
    const { chain, sink, close } = setup({ batch: { intervalMs: 60_000 } });
    const high = makeCall({ risk: "HIGH" });
    await chain.run(high, () => ({}));
    expect(sink.rows.has(high.id)).toBe(true); // committed before run() resolved
    const low = makeCall({ risk: "LOW" });
    await chain.run(low, () => ({}));
    expect(sink.rows.has(low.id)).toBe(false); // waits for its batch
    await close();
    expect(sink.rows.has(low.id)).toBe(true);
  });

  test("rejected calls are audited with their refusal", async () => {
    const { chain, sink, writer, close } = setup();
    const call = makeCall();
    const denied = new GatewayError("denied", "Denied by policy p7: no tools after hours");
    const stage = { name: "policy", onRequest: () => ({ kind: "reject" as const, error: denied, outcome: "denied" }) };
    const withPolicy = new Chain({ policy: stage, audit: (chain as any).onComplete[0] });
    await withPolicy.run(call, () => ({})).catch(() => {});
    await writer.flush();
    expect(sink.rows.get(call.id)).toMatchObject({ outcome: "denied", errorCode: -32011, errorMessage: "Denied by policy p7: no tools after hours" });
    await close();
  });

  test("while records can be stored nowhere, HIGH calls are refused before they run; LOW calls still run", async () => {
    const { chain, sink, writer, close, dataDir } = setup({ spool: { retryMs: 60_000 } });
    sink.down = true;
    // Make the spool unwritable: replace its directory by a file (file modes would not stop root).
    rmSync(join(dataDir, "audit-spool"), { recursive: true, force: true });
    fs.writeFileSync(join(dataDir, "audit-spool"), "not a directory");
    const first = makeCall({ risk: "HIGH" });
    const err1 = (await chain.run(first, () => ({})).catch((e) => e)) as GatewayError;
    expect(err1).toBeInstanceOf(GatewayError);
    expect(err1.message).toContain("could not be stored durably");
    expect(writer.unavailable).toBe(true);
    let ran = false;
    const second = makeCall({ risk: "HIGH" });
    const err2 = (await chain.run(second, () => ((ran = true), {})).catch((e) => e)) as GatewayError;
    expect(ran).toBe(false);
    expect(err2.message).toContain("Audit storage unavailable");
    expect(second.outcome).toBe("audit_unavailable");
    expect(await chain.run(makeCall({ risk: "LOW" }), () => "low ran")).toBe("low ran");
    await close();
  });

  test("the trace id is the active OpenTelemetry span's when there is one", async () => {
    const { stage, sink, writer, close } = setup();
    let active: Context = ROOT_CONTEXT;
    const manager: ContextManager = {
      active: () => active,
      with: (ctx, fn, thisArg, ...args) => {
        const prev = active;
        active = ctx;
        try {
          return fn.call(thisArg, ...args);
        } finally {
          active = prev;
        }
      },
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.setGlobalContextManager(manager);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const span = trace.wrapSpanContext({ traceId, spanId: "00f067aa0ba902b7", traceFlags: 1 });
    const call = makeCall();
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => stage.onComplete!(call));
    context.disable();
    await writer.flush();
    expect(sink.rows.get(call.id)!.traceId).toBe(traceId);
    await close();
  });
});

describe("sink choice", () => {
  const cfg = (audit: Record<string, unknown>, storage: Record<string, unknown>) => ({ config: validateConfig({ audit, storage }, "test") });
  test("SQLite under storage.dataDir by default; Postgres when storage.postgres.url is set", () => {
    expect(auditSinkSpec(cfg({}, { dataDir: "/var/lib/sidecar" }))).toEqual({ kind: "sqlite", path: "/var/lib/sidecar/audit.sqlite", synchronous: "normal" });
    expect(auditSinkSpec(cfg({}, { postgres: { url: "postgres://db/x" } }))).toEqual({ kind: "postgres", url: "postgres://db/x", maxConnections: 4 });
    expect(auditSinkSpec(cfg({ sink: "sqlite" }, { postgres: { url: "postgres://db/x" } })).kind).toBe("sqlite");
    expect(() => auditSinkSpec(cfg({ sink: "postgres" }, {}))).toThrow(/storage.postgres.url is not set/);
  });

  test("the config names a bad field", () => {
    expect(() => validateConfig({ audit: { batch: { maxRecords: 0 } } }, "test")).toThrow(/audit.batch.maxRecords/);
    expect(() => validateConfig({ audit: { durableRisks: ["SEVERE"] } }, "test")).toThrow(/audit.durableRisks/);
  });
});

afterAll(() => context.disable());
