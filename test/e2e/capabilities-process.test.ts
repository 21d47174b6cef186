/**
 * Capabilities under `"isolation": "process"`, end to end: the shipped `kv` and `fs` plugins and a plugin
 * that calls a function it was not granted, each in two real gateways on 127.0.0.1:0 (one inline, one with
 * every plugin in child processes), called over HTTP with the MCP SDK client by two tenants. The isolated
 * gateway loads grants (once refused), and answers what the inline one answers: the same file from the
 * granted root, the same refusals of escapes, per-tenant memory, the same missing-grant trap. And a relayed
 * capability call still running at the deadline ends as any call does: the child is killed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginHostOps } from "../../src/registry/abi/host-functions.ts";
import { CallState } from "../../src/sandbox/call-state.ts";
import { pluginLimitsSchema } from "../../src/sandbox/limits.ts";
import { parentHostFor, relayPlan } from "../../src/sandbox/process/host-relay.ts";
import { PluginProcess } from "../../src/sandbox/process/plugin-process.ts";
import { ProcessRuntime } from "../../src/sandbox/process/runtime.ts";
import { BUNDLED_PLUGINS } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { buildWatPlugin, watString, writeWatPlugin } from "../helpers/wat-plugin.ts";
import { call, SECRET, startTwoTenants, textOf, TODO, writeFsTree, type TwoTenants } from "../helpers/capability-fixture.ts";

type Isolation = "inline" | "process";

const temp = tempFolders();
const KV_GET_ARG = JSON.stringify({ key: "anything" });
const FS_READ_ARG = JSON.stringify({ path: "notes/todo.md" });

/** Sets a manifest's isolation (and optionally its fs roots) in a copied plugin folder. */
function editManifest(dir: string, edit: (manifest: any) => void): void {
  const path = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

/**
 * The shipped kv and fs plugins (fs granted `root`) and "sneak": granted fs, but calls kv_get, so the
 * child links a relay for fs only and must trap on kv.
 */
function pluginsFolder(root: string, isolation: Isolation): string {
  const dir = temp.make(`cap-${isolation}-plugins-`);
  for (const name of ["kv", "fs"]) {
    cpSync(join(BUNDLED_PLUGINS, name), join(dir, name), { recursive: true });
    editManifest(join(dir, name), (m) => {
      m.isolation = isolation;
      if (name === "fs") m.grants.fs.roots = [{ path: root, name: "docs" }];
    });
  }
  writeWatPlugin(dir, {
    name: "sneak",
    tool: "sneak",
    manifest: { isolation, grants: { fs: { roots: [{ path: root }] } } },
    extra: `(import "extism:host/user" "kv_get" (func $kv_get (param i64) (result i64)))
    (data (i32.const 8192) "${watString(KV_GET_ARG)}")`,
    body: `(drop (call $kv_get (call $to_block (i32.const 8192) (i32.const ${KV_GET_ARG.length}))))`,
  });
  return dir;
}

type Side = TwoTenants;
const startSide = (root: string, isolation: Isolation) => startTwoTenants(temp, pluginsFolder(root, isolation));

let base: string;
let inline: Side;
let isolated: Side;

beforeAll(async () => {
  base = temp.make("cap-process-files-");
  const root = writeFsTree(base);
  [inline, isolated] = await Promise.all([startSide(root, "inline"), startSide(root, "process")]);
});
afterAll(async () => {
  for (const side of [inline, isolated]) await side?.stop();
});

describe("capabilities with isolation: process", () => {
  test("plugins with grants load in child processes and offer the same tools as inline", async () => {
    for (const name of ["kv", "fs", "sneak"]) {
      const runtime = isolated.gw.registry.plugins().find((p) => p.manifest.name === name)?.provider.runtime;
      expect(runtime).toBeInstanceOf(ProcessRuntime);
      expect((runtime as ProcessRuntime).pids().length).toBeGreaterThan(0);
    }
    const names = async (side: Side) => (await side.a.listTools()).tools.map((t) => t.name).sort();
    expect(await names(isolated)).toEqual(["fs_list_dir", "fs_list_roots", "fs_read_file", "fs_search", "kv_delete", "kv_get", "kv_list", "kv_set", "sneak"]);
    expect(await names(isolated)).toEqual(await names(inline));
    expect(isolated.gw.logs.filter((l) => l.includes("not available with"))).toEqual([]);
  });

  test("a granted fs read works from the child and answers as in-process", async () => {
    const read = await call(isolated.a, "fs_read_file", { path: "notes/todo.md" });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toBe(TODO);
    expect(read.structuredContent).toMatchObject({ root: "docs", path: "notes/todo.md", truncated: false });
    expect(read).toEqual(await call(inline.a, "fs_read_file", { path: "notes/todo.md" }));
    expect(JSON.stringify(read)).not.toContain(base);
  });

  test("fs escapes are refused exactly as in-process, revealing nothing outside the root", async () => {
    for (const path of ["../secret.txt", "notes/shortcut.md", join(base, "secret.txt"), "notes/../../secret.txt"]) {
      const result = await call(isolated.a, "fs_read_file", { path });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^fs_read: /);
      expect(textOf(result)).not.toContain(SECRET);
      expect(result).toEqual(await call(inline.a, "fs_read_file", { path }));
    }
  });

  test("kv values are per tenant: tenant B never sees tenant A's keys", async () => {
    const { a, b } = isolated;
    expect((await call(a, "kv_set", { key: "plan", value: { step: 3 } })).structuredContent).toEqual({ ok: true });
    expect((await call(b, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: false });
    expect((await call(b, "kv_list", {})).structuredContent).toEqual({ keys: [], more: false });
    expect((await call(b, "kv_delete", { key: "plan" })).structuredContent).toEqual({ deleted: false });
    await call(b, "kv_set", { key: "plan", value: "b's own" });
    expect((await call(a, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: true, value: { step: 3 } });
    expect((await call(b, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: true, value: "b's own" });
  });

  test("a kv limit comes back as the same tool error as in-process", async () => {
    const big = { key: "big", value: "x".repeat(70_000) };
    const result = await call(isolated.a, "kv_set", big);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("kv_set: the value is larger than this plugin's limit of 65536 bytes (grants.kv.maxValueBytes)");
    expect(result).toEqual(await call(inline.a, "kv_set", big));
  });

  test("a function the manifest does not grant traps with the missing-grant message, as in-process", async () => {
    const result = await call(isolated.a, "sneak");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`kv_get: this plugin's manifest grants no "kv" capability (add "grants": { "kv": {...} } to its manifest.json)`);
    expect(result).toEqual(await call(inline.a, "sneak"));
  });
});

describe("a relayed capability call at the deadline", () => {
  test("the child is killed with the usual timeout error, and the gateway's late answer is dropped", async () => {
    let answer!: (value: unknown) => void;
    let asked = 0;
    // A granted fs_read that answers only when the test says so (a slow disk, a stuck network share...).
    const slow: PluginHostOps = {
      ops: { fs_read: { request: true, takesArg: true, run: () => (asked++, new Promise((resolve) => (answer = resolve))) } },
    };
    const bytes = buildWatPlugin({
      name: "slow-read",
      tool: "slow",
      extra: `(import "extism:host/user" "fs_read" (func $fs_read (param i64) (result i64)))
    (data (i32.const 8192) "${watString(FS_READ_ARG)}")`,
      body: `(drop (call $fs_read (call $to_block (i32.const 8192) (i32.const ${FS_READ_ARG.length}))))`,
    });
    const limits = pluginLimitsSchema.parse({ timeoutMs: 300 });
    const init = { t: "init" as const, name: "slow-read", bytes, limits, config: {}, allowedHosts: [], relay: relayPlan(slow) };
    const child = await PluginProcess.start(init, { host: parentHostFor(slow), log: () => {}, maxRssBytes: 0 });
    const state = new CallState({ timeoutMs: 300, limitMs: 300, maxHostBytes: 1 << 20, fuelBudget: null, bridge: {} });
    const error = await child.call("call_tool", "{}", state).catch((err) => err);
    expect(asked).toBe(1);
    expect(error.failure).toBe("timeout");
    expect(error.message).toBe("the plugin did not finish within its 300 ms limit");
    expect(child.dead).toBe(true);
    answer({ root: "docs", content: "too late" }); // nobody is left to hear it: dropped, nothing throws
    await new Promise((resolve) => setImmediate(resolve)); // lets the answer reach the (dead) process handle
  });
});
