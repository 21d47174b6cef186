/**
 * `isolation: "process"` end to end, over real HTTP with the SDK client: the same results as in-process,
 * hostile plugins stopped by SIGKILL at their deadline while other calls are served, children respawned,
 * host functions (notifications and client requests) relayed from the child to the client.
 */
import { watString } from "../helpers/wat-plugin.ts";
import { duringHostileCall, textOf } from "../helpers/contained.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { parentHost } from "../../src/sandbox/process/host-relay.ts";
import { PluginProcess } from "../../src/sandbox/process/plugin-process.ts";
import { ProcessRuntime } from "../../src/sandbox/process/runtime.ts";
import { CallState } from "../../src/sandbox/call-state.ts";
import { pluginLimitsSchema } from "../../src/sandbox/limits.ts";
import { BUNDLED_PLUGINS, connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { buildWatPlugin, HOSTILE, writeWatPlugin, type WatPluginSpec } from "../helpers/wat-plugin.ts";

const TIMEOUT_MS = 400;
const LIMITS = { timeoutMs: TIMEOUT_MS, memoryMb: 4, maxOutputBytes: 1024 * 1024 };
const PROGRESS = JSON.stringify({ progress: 1, total: 2, message: "halfway" });
const LOG = JSON.stringify({ level: "warning", data: "from the plugin" });

/** Calls notify_progress and notify_logging_message, then returns. */
const CHATTY: Partial<WatPluginSpec> = {
  extra: `(import "extism:host/user" "notify_progress" (func $progress (param i64)))
    (import "extism:host/user" "notify_logging_message" (func $log (param i64)))
    (data (i32.const 8192) "${watString(PROGRESS)}")
    (data (i32.const 12288) "${watString(LOG)}")`,
  body: `(call $progress (call $to_block (i32.const 8192) (i32.const ${PROGRESS.length})))
    (call $log (call $to_block (i32.const 12288) (i32.const ${LOG.length})))`,
};

let inline: TestGateway;
let isolated: TestGateway;

/** Echo + the chatty plugin in each gateway; the hostile plugins only in the isolated one. */
async function setUp(gw: TestGateway, isolation: "inline" | "process"): Promise<void> {
  const dir = join(gw.pluginsDir, "echo");
  cpSync(join(BUNDLED_PLUGINS, "echo"), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, isolation }));
  writeWatPlugin(gw.pluginsDir, { name: "chatty", tool: "chatty", manifest: { isolation, limits: LIMITS }, ...CHATTY });
  if (isolation === "process") {
    for (const [name, spec] of Object.entries(HOSTILE)) {
      // The flood gets room in memory so that what stops it is the output limit, not the memory cap.
      const limits = { ...LIMITS, memoryMb: name === "flood" ? 32 : LIMITS.memoryMb };
      writeWatPlugin(gw.pluginsDir, { name: `hostile-${name}`, tool: name, manifest: { isolation, limits }, ...spec });
    }
  }
  await gw.registry.rescan();
}

beforeAll(async () => {
  [inline, isolated] = await Promise.all([startTestGateway(), startTestGateway()]);
  await Promise.all([setUp(inline, "inline"), setUp(isolated, "process")]);
});
afterAll(() => Promise.all([inline?.stop(), isolated?.stop()]));

function runtimeOf(plugin: string): ProcessRuntime {
  const runtime = isolated.registry.plugins().find((p) => p.manifest.name === plugin)?.provider.runtime;
  if (!(runtime instanceof ProcessRuntime)) throw new Error(`${plugin} does not run in a process`);
  return runtime;
}

/** Waits for a condition the gateway reaches on its own (a respawn), without a fixed sleep. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}



describe("isolation: process", () => {
  test("echo in a child process answers exactly as in-process", async () => {
    await using a = await connectClient(inline.mcpUrl);
    await using b = await connectClient(isolated.mcpUrl);
    expect(runtimeOf("echo").pids().length).toBeGreaterThanOrEqual(1);
    for (const input of ["hello", "ünïcødé ✓ 🚀", "x".repeat(100_000), ""]) {
      const [viaInline, viaProcess] = await Promise.all([
        a.callTool({ name: "echo", arguments: { text: input } }),
        b.callTool({ name: "echo", arguments: { text: input } }),
      ]);
      expect(viaProcess).toEqual(viaInline);
    }
    const [listInline, listProcess] = await Promise.all([a.listTools(), b.listTools()]);
    expect(listProcess.tools.find((t) => t.name === "echo")).toEqual(listInline.tools.find((t) => t.name === "echo")!);
  });

  test("an infinite loop is SIGKILLed at its deadline, with the in-process message, while echo is served", async () => {
    const before = runtimeOf("hostile-spin").pids();
    const { result, echoes, elapsedMs } = await duringHostileCall(isolated.mcpUrl, "spin");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toEndWith(`the plugin did not finish within its ${TIMEOUT_MS} ms limit`);
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(echoes).toBeGreaterThan(5);
    // Killed and replaced: a new child, warm before anyone asks for it.
    await until(() => runtimeOf("hostile-spin").pids().length === 1 && runtimeOf("hostile-spin").pids()[0] !== before[0], "a respawned child");
  });

  test("after a kill the respawned child serves the next call, which is killed the same way", async () => {
    await using client = await connectClient(isolated.mcpUrl);
    const again = await client.callTool({ name: "spin", arguments: {} });
    expect(textOf(again)).toEndWith(`the plugin did not finish within its ${TIMEOUT_MS} ms limit`);
    expect((await client.callTool({ name: "chatty", arguments: {} })).isError).toBeFalsy();
  });

  test("memory bombs hit the same caps inside the child", async () => {
    const guest = await duringHostileCall(isolated.mcpUrl, "memoryBomb");
    expect(textOf(guest.result)).toMatch(/of its 4\.0 MB memory limit, most likely out of memory/);
    const host = await duringHostileCall(isolated.mcpUrl, "hostMemoryBomb");
    expect(textOf(host.result)).toContain("more than its 4 MB memory limit");
    const flood = await duringHostileCall(isolated.mcpUrl, "flood");
    expect(textOf(flood.result)).toContain("more than its limit of 1048576 bytes");
  });

  test("traps and stack overflows are crashes reported by the child, which stays up", async () => {
    const pids = runtimeOf("hostile-trap").pids();
    const trap = await duringHostileCall(isolated.mcpUrl, "trap");
    expect(textOf(trap.result)).toContain("crashed");
    const recurse = await duringHostileCall(isolated.mcpUrl, "recurse");
    expect(textOf(recurse.result)).toContain("crashed");
    expect(runtimeOf("hostile-trap").pids()).toEqual(pids); // the child rebuilt its instance itself
  });

  test("a plugin stuck in a host call (the client never answers sampling) is killed at its deadline", async () => {
    let asked = 0;
    const { result, echoes } = await duringHostileCall(isolated.mcpUrl, "hangInHostCall", { sampling: {} }, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, () => (asked++, new Promise(() => {}))),
    );
    expect(asked).toBe(1); // the request crossed from the child to the client
    expect(textOf(result)).toEndWith(`the plugin did not finish within its ${TIMEOUT_MS} ms limit`);
    expect(echoes).toBeGreaterThan(5);
  });

  test("a host request's answer and errors cross back into the child", async () => {
    await using answering = await connectClient(isolated.mcpUrl, { sampling: {} });
    answering.setRequestHandler(CreateMessageRequestSchema, () => ({ model: "m", role: "assistant", content: { type: "text", text: "ok" } }));
    expect((await answering.callTool({ name: "hangInHostCall", arguments: {} })).isError).toBeFalsy();
    await using refusing = await connectClient(isolated.mcpUrl); // no sampling capability
    const refused = await refusing.callTool({ name: "hangInHostCall", arguments: {} });
    expect(textOf(refused)).toContain("create_message: the client does not support sampling");
  });

  test("progress and logging notifications from a child reach the client, as in-process", async () => {
    const seen = async (gw: TestGateway) => {
      await using client = await connectClient(gw.mcpUrl);
      const events: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void events.push(n.params));
      const result = await client.callTool({ name: "chatty", arguments: {} }, undefined, { onprogress: (p) => void events.push(p) });
      return { result, events };
    };
    const [viaInline, viaProcess] = await Promise.all([seen(inline), seen(isolated)]);
    expect(viaProcess.events).toEqual([
      { progress: 1, total: 2, message: "halfway" },
      { level: "warning", data: "from the plugin", logger: "chatty" },
    ]);
    expect(viaProcess).toEqual(viaInline);
  });

  test("cancelling a call kills its child at once", async () => {
    await using client = await connectClient(isolated.mcpUrl);
    const runtime = runtimeOf("hostile-spin");
    await until(() => runtime.stats().idle === 1, "a warm child");
    const [pid] = runtime.pids();
    const abort = new AbortController();
    const started = performance.now();
    const call = client.callTool({ name: "spin", arguments: {} }, undefined, { signal: abort.signal }).catch((err) => err);
    await until(() => runtime.stats().busy === 1, "the call to start");
    abort.abort();
    await call;
    await until(() => !runtime.pids().includes(pid!), "the child to be killed");
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
  });

  test("a child that dies under a call fails it with a clear reason and is replaced", async () => {
    await using client = await connectClient(isolated.mcpUrl);
    const runtime = runtimeOf("hostile-spin");
    await until(() => runtime.stats().idle === 1, "a warm child");
    const call = client.callTool({ name: "spin", arguments: {} });
    await until(() => runtime.stats().busy === 1, "the call to start");
    process.kill(runtime.pids()[0]!, "SIGKILL"); // as the kernel's OOM killer would
    expect(textOf(await call)).toEndWith("the plugin process died (signal SIGKILL)");
    await until(() => runtime.stats().idle === 1, "a replacement");
    expect((await client.callTool({ name: "echo", arguments: { text: "after" } })).isError).toBeFalsy();
  });
});

describe("the RSS watchdog", () => {
  test("a child past its resident-set bound is killed with a memory error", async () => {
    const limits = pluginLimitsSchema.parse(LIMITS);
    const bytes = buildWatPlugin({ name: "spin", tool: "spin", ...HOSTILE.spin });
    const init = { t: "init" as const, name: "spin", bytes, limits, config: {}, allowedHosts: [] };
    const hooks = { host: parentHost, log: () => {}, maxRssBytes: 2 ** 40 };
    const child = await PluginProcess.start(init, hooks);
    hooks.maxRssBytes = 1; // any real process is past this; lowered once loaded, so the call is what gets killed
    const state = new CallState({ timeoutMs: 5000, limitMs: 5000, maxHostBytes: 1 << 20, fuelBudget: null });
    const error = await child.call("call_tool", "{}", state).catch((err) => err);
    expect(error.failure).toBe("memory");
    expect(error.message).toMatch(/^the plugin's process grew to \d+ MB resident, more than its 0 MB bound$/);
    expect(child.dead).toBe(true);
  });
});

describe("loading", () => {
  test("a plugin that cannot load fails at load time, with its reason", async () => {
    const broken = new TextEncoder().encode("not wasm");
    const opts = { name: "broken", limits: pluginLimitsSchema.parse({}), config: {}, allowedHosts: [], hostFunctions: () => ({}), logger: console };
    await expect(ProcessRuntime.load(broken, opts)).rejects.toThrow(/magic|wasm|module/i);
  });
});
