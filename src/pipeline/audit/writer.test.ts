import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../log.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import { AuditMetering } from "./metering.ts";
import { toAuditRecord } from "./record.ts";
import { Spool, type SpoolFs } from "./spool.ts";
import { makeCall, MemorySink } from "./test-support.ts";
import { AuditWriter, type WriterOptions } from "./writer.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(opts: Partial<WriterOptions> & { spoolFs?: SpoolFs; dir?: string } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "audit-writer-"));
  if (!opts.dir) dirs.push(dir);
  const sink = (opts.sink as MemorySink) ?? new MemorySink();
  const logs: string[] = [];
  const registry = new MetricsRegistry();
  let writer: AuditWriter;
  const metering = new AuditMetering(registry, { queued: () => writer.queued, spooling: () => writer.spooling, unavailable: () => writer.unavailable });
  writer = new AuditWriter({
    sink,
    spool: new Spool(join(dir, "audit-spool"), opts.spoolFs),
    log: createLogger("debug", {}, (l) => void logs.push(l)),
    metering,
    build: (call, traceId) => toAuditRecord(call, traceId, { fullArguments: new Set(["HIGH", "CRITICAL"]) }),
    maxRecords: 4,
    intervalMs: 10,
    retryMs: 10,
    maxQueued: 1000,
    writeTimeoutMs: 1000,
    ...opts,
  });
  return { dir, sink, writer, logs, registry, spoolDir: join(dir, "audit-spool") };
}

/** Polls a condition with a bound instead of sleeping a fixed time. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(2);
  }
}

describe("batching (group commit)", () => {
  test("N records make one write at once; fewer wait at most the interval", async () => {
    const { sink, writer } = setup({ maxRecords: 4, intervalMs: 30 });
    for (let i = 0; i < 4; i++) writer.enqueue(makeCall(), undefined, false);
    await until(() => sink.rows.size === 4);
    expect(sink.batches).toEqual([4]);
    const started = performance.now();
    writer.enqueue(makeCall(), undefined, false);
    expect(sink.rows.size).toBe(4); // not written synchronously: the response path never waits on I/O
    await until(() => sink.rows.size === 5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(sink.batches).toEqual([4, 1]);
  });

  test("a durable record is committed without waiting for the interval, together with everything queued", async () => {
    const { sink, writer } = setup({ maxRecords: 100, intervalMs: 60_000 });
    writer.enqueue(makeCall(), undefined, false);
    writer.enqueue(makeCall(), undefined, false);
    const durable = makeCall({ risk: "HIGH" });
    await writer.enqueue(durable, undefined, true);
    expect(sink.rows.has(durable.id)).toBe(true);
    expect(sink.batches).toEqual([3]);
  });

  test("durable calls completing together share one commit", async () => {
    const { sink, writer } = setup({ maxRecords: 100 });
    const calls = Array.from({ length: 10 }, () => makeCall({ risk: "CRITICAL" }));
    await Promise.all(calls.map((c) => writer.enqueue(c, undefined, true)));
    expect(sink.batches).toEqual([10]);
  });

  test("while a write is in flight, new records wait for the next batch (one writer at a time)", async () => {
    const { sink, writer } = setup({ maxRecords: 100 });
    let open!: () => void;
    sink.gate = new Promise((r) => (open = r));
    const first = writer.enqueue(makeCall({ risk: "HIGH" }), undefined, true);
    await Bun.sleep(0);
    await new Promise((r) => setImmediate(r));
    const later = Array.from({ length: 5 }, () => writer.enqueue(makeCall({ risk: "HIGH" }), undefined, true));
    open();
    sink.gate = undefined;
    await Promise.all([first, ...later]);
    expect(sink.batches).toEqual([1, 5]);
  });

  test("close flushes what is queued and closes the sink", async () => {
    const { sink, writer } = setup({ intervalMs: 60_000, maxRecords: 100 });
    for (let i = 0; i < 7; i++) writer.enqueue(makeCall(), undefined, false);
    await writer.close();
    expect(sink.rows.size).toBe(7);
    expect(sink.closed).toBe(true);
  });
});

describe("spool and replay", () => {
  test("database down: records go to the spool (durable ones fsync'd and acknowledged), then replay in order, exactly once", async () => {
    const fsyncs: number[] = [];
    const spoolFs: SpoolFs = { ...fs, fsyncSync: (fd) => (fsyncs.push(fd), fs.fsyncSync(fd)) } as SpoolFs;
    const { sink, writer, spoolDir, registry, logs } = setup({ spoolFs, retryMs: 20 });
    sink.down = true;
    const calls = Array.from({ length: 6 }, (_, i) => makeCall({ risk: i === 5 ? "HIGH" : "LOW" }));
    const pending = calls.map((c, i) => writer.enqueue(c, undefined, i === 5));
    await pending[5]; // acknowledged while the database is down: it is on disk in the spool
    expect(writer.spooling).toBe(true);
    expect(fsyncs.length).toBeGreaterThan(0);
    const spooled = readdirSync(spoolDir).flatMap((f) => readFileSync(join(spoolDir, f), "utf8").trim().split("\n")).map((l) => JSON.parse(l).id);
    expect(spooled).toContain(calls[5]!.id);
    expect(logs.some((l) => l.includes("audit database unavailable"))).toBe(true);
    expect(registry.render()).toContain("audit_spooling 1");

    // More calls while still down, then the database returns.
    const more = Array.from({ length: 3 }, () => makeCall());
    for (const c of more) writer.enqueue(c, undefined, false);
    await until(() => readdirSync(spoolDir).flatMap((f) => readFileSync(join(spoolDir, f), "utf8").trim().split("\n")).length >= 9);
    sink.down = false;
    await until(() => !writer.spooling);
    expect(sink.ids()).toEqual([...calls, ...more].map((c) => c.id)); // completion order
    expect(readdirSync(spoolDir)).toEqual([]); // drained
    expect(registry.render()).toContain('audit_records_total{result="replayed"} 9');
    // New records go straight to the database again.
    const after = makeCall({ risk: "HIGH" });
    await writer.enqueue(after, undefined, true);
    expect(sink.ids().at(-1)).toBe(after.id);
    await writer.close();
  });

  test("a replay interrupted by the database failing again resumes without duplicates", async () => {
    const { sink, writer } = setup({ retryMs: 15, maxRecords: 2 });
    sink.down = true;
    const calls = Array.from({ length: 6 }, () => makeCall());
    await Promise.all(calls.map((c) => writer.enqueue(c, undefined, true)));
    // Let the database take only the first replay chunk, then fail.
    let writes = 0;
    const realWrite = sink.write.bind(sink);
    sink.write = async (records) => {
      if (++writes === 2) throw new Error("connection terminated");
      return realWrite(records);
    };
    sink.down = false;
    await until(() => !writer.spooling);
    expect(sink.ids().sort()).toEqual(calls.map((c) => c.id).sort());
    expect(sink.rows.size).toBe(6);
  });

  test("records spooled by an earlier run (crash while the database was down) are replayed at start; a torn line is skipped", async () => {
    const first = setup();
    first.sink.down = true;
    const calls = Array.from({ length: 3 }, () => makeCall());
    await Promise.all(calls.map((c) => first.writer.enqueue(c, undefined, true)));
    // Simulate a crash in the middle of a write: a half line at the end of the segment.
    const segment = readdirSync(first.spoolDir)[0]!;
    appendFileSync(join(first.spoolDir, segment), '{"id":"torn');
    // A new process over the same data dir, database up.
    const second = setup({ dir: first.dir });
    await until(() => second.sink.rows.size === 3 && !second.writer.spooling);
    expect(second.sink.ids()).toEqual(calls.map((c) => c.id));
    expect(readdirSync(second.spoolDir)).toEqual([]);
    expect(second.registry.render()).toContain('audit_records_total{result="skipped"} 1');
    await second.writer.close();
  });

  test("full disk while spooling: logged and metered, durable calls fail with a clear error, and recover when space returns", async () => {
    let full = true;
    const spoolFs = {
      ...fs,
      writeSync: (fd: number, data: Uint8Array) => {
        if (full) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        return fs.writeSync(fd, data);
      },
    } as SpoolFs;
    const { sink, writer, logs, registry } = setup({ spoolFs, retryMs: 15 });
    sink.down = true;
    const lowCall = makeCall();
    writer.enqueue(lowCall, undefined, false);
    const high = makeCall({ risk: "HIGH" });
    const err = await writer.enqueue(high, undefined, true)!.catch((e) => e);
    expect(err.message).toContain("Audit record could not be stored durably");
    expect(err.message).toContain("ENOSPC");
    expect(writer.unavailable).toBe(true);
    expect(logs.some((l) => l.includes("disk full"))).toBe(true);
    expect(registry.render()).toContain('audit_errors_total{kind="spool"}');
    expect(registry.render()).toContain("audit_unavailable 1");
    // Space comes back: the held records reach the spool, then the database.
    full = false;
    await until(() => !writer.unavailable);
    sink.down = false;
    await until(() => sink.rows.size === 2 && !writer.spooling);
    expect(sink.ids()).toEqual([lowCall.id, high.id]);
    await writer.close();
  });
});

describe("metering", () => {
  test("counts calls, fuel, bytes and duration per tenant and tool", async () => {
    const { writer, registry } = setup();
    const call = makeCall({ principal: { id: "key:ak_1", tenant: "acme", roles: [], method: "api_key", attributes: {} }, args: { text: "hello" } });
    call.fuelUsed = 1234;
    call.durationMs = 2;
    call.result = { content: [{ type: "text", text: "hello" }] };
    await writer.enqueue(call, undefined, true);
    const text = registry.render();
    expect(text).toContain('mcp_tenant_calls_total{tenant="acme",method="tools/call",tool="echo",outcome="ok"} 1');
    expect(text).toContain('mcp_tenant_fuel_used_total{tenant="acme",tool="echo"} 1234');
    expect(text).toContain(`mcp_tenant_bytes_total{tenant="acme",tool="echo",direction="in"} ${JSON.stringify(call.request.params).length}`);
    expect(text).toContain(`mcp_tenant_bytes_total{tenant="acme",tool="echo",direction="out"} ${JSON.stringify(call.result).length}`);
    expect(text).toContain('mcp_tenant_call_duration_seconds_total{tenant="acme",tool="echo"} 0.002');
  });

  test("a batch mixing tenants, tools and outcomes is summed per label set", async () => {
    const { writer, registry, sink } = setup({ maxRecords: 8 });
    const principal = (tenant: string) => ({ id: `key:${tenant}`, tenant, roles: [], method: "api_key" as const, attributes: {} });
    const calls = [
      makeCall({ principal: principal("acme"), tool: "echo" }),
      makeCall({ principal: principal("acme"), tool: "echo" }),
      makeCall({ principal: principal("acme"), tool: "search" }),
      makeCall({ principal: principal("globex"), tool: "echo" }),
    ];
    calls[1]!.outcome = "denied";
    calls.forEach((c, i) => {
      c.fuelUsed = 100 * (i + 1);
      c.durationMs = 1;
    });
    for (const c of calls) writer.enqueue(c, undefined, false);
    await writer.flush();
    expect(sink.batches).toEqual([4]);
    const text = registry.render();
    expect(text).toContain('mcp_tenant_calls_total{tenant="acme",method="tools/call",tool="echo",outcome="ok"} 1');
    expect(text).toContain('mcp_tenant_calls_total{tenant="acme",method="tools/call",tool="echo",outcome="denied"} 1');
    expect(text).toContain('mcp_tenant_calls_total{tenant="acme",method="tools/call",tool="search",outcome="ok"} 1');
    expect(text).toContain('mcp_tenant_calls_total{tenant="globex",method="tools/call",tool="echo",outcome="ok"} 1');
    expect(text).toContain('mcp_tenant_fuel_used_total{tenant="acme",tool="echo"} 300');
    expect(text).toContain('mcp_tenant_fuel_used_total{tenant="acme",tool="search"} 300');
    expect(text).toContain('mcp_tenant_fuel_used_total{tenant="globex",tool="echo"} 400');
    expect(text).toContain('mcp_tenant_call_duration_seconds_total{tenant="acme",tool="echo"} 0.002');
  });
});

