import { describe, expect, test } from "bun:test";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";
import { BUNDLED_PLUGINS } from "../../../test/helpers/gateway.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import { buildWatPlugin, writeWatPlugin } from "../../../test/helpers/wat-plugin.ts";
import { runPluginCli } from "./testkit.ts";

const temp = tempFolders();
const wabt = await wabtInit();

function watModule(wat: string): Uint8Array {
  const module = wabt.parseWat("t.wat", wat);
  return new Uint8Array(module.toBinary({}).buffer);
}

describe("plugin inspect", () => {
  test("a hyper-mcp plugin: its ABI, tools, exports, imports and capabilities", async () => {
    const { code, out } = await runPluginCli(["inspect", join(BUNDLED_PLUGINS, "echo", "plugin.wasm")]);
    expect(code).toBe(0);
    expect(out).toContain("hyper-mcp (list_tools, call_tool");
    expect(out).toContain("echo — Returns the given text unchanged.");
    expect(out).toMatch(/extism:host\/env: .*output_set/);
  });

  test("--json: a servlet plugin's report as data", async () => {
    const { code, out } = await runPluginCli(["inspect", join(BUNDLED_PLUGINS, "echo-servlet", "plugin.wasm"), "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.abi).toBe("servlet");
    expect(report.tools.map((t: { name: string }) => t.name)).toEqual(["servlet_echo"]);
    expect(report.exports.filter((e: { kind: string }) => e.kind === "function").map((e: { name: string }) => e.name).sort()).toEqual(["call", "describe"]);
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test("imports map to the grants and client capabilities they need", async () => {
    const dir = temp.make("inspect-caps-");
    const bytes = buildWatPlugin({
      name: "caps",
      tool: "fetch",
      extra: `(import "extism:host/env" "http_request" (func (param i64 i64) (result i64)))
        (import "extism:host/env" "config_get" (func (param i64) (result i64)))
        (import "extism:host/user" "create_message" (func (param i64) (result i64)))
        (import "extism:host/user" "teleport" (func (param i64) (result i64)))
        (import "extism:host/user" "kv_get" (func (param i64) (result i64)))
        (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))`,
    });
    writeFileSync(join(dir, "caps.wasm"), bytes);
    const { code, out } = await runPluginCli(["inspect", "caps.wasm", "--json"], { cwd: dir });
    expect(code).toBe(0);
    const needs = Object.fromEntries(JSON.parse(out).capabilities.map((c: { id: string; needs: string; via: string[] }) => [c.id, c]));
    expect(needs.http.needs).toContain('"allowedHosts"');
    expect(needs.http.via).toEqual(["extism:host/env.http_request"]);
    expect(needs.config.needs).toContain('"config"');
    expect(needs.sampling.needs).toContain("sampling capability");
    expect(needs.wasi.via).toEqual(["wasi_snapshot_preview1.random_get"]);
    expect(needs["host:teleport"].needs).toContain("cannot be granted");
    expect(needs["grant:kv"].needs).toContain('"grants": { "kv": {...} }');
  });

  test("a module with neither ABI is refused, naming both expected export sets", async () => {
    const dir = temp.make("inspect-noabi-");
    writeFileSync(join(dir, "plain.wasm"), watModule(`(module (func (export "run") (result i32) i32.const 0) (memory (export "memory") 1))`));
    const { code, err } = await runPluginCli(["inspect", join(dir, "plain.wasm")]);
    expect(code).toBe(1);
    expect(err).toContain("describe + call");
    expect(err).toContain("list_tools + call_tool");
    expect(err).toContain("it exports run");
  });

  test("a manifest declaring the other ABI: says which exports it expected and what to change", async () => {
    const dir = writeWatPlugin(temp.make("inspect-mismatch-"), { name: "mismatch", tool: "t", manifest: { abi: "servlet" } });
    const { code, err } = await runPluginCli(["inspect", join(dir, "plugin.wasm")]);
    expect(code).toBe(1);
    expect(err).toContain('declares "abi": "servlet", which expects the exports describe + call');
    expect(err).toContain('set "abi": "hyper-mcp"');
  });

  test("a manifest beside the module that names it is the one the listing loads with", async () => {
    const dir = temp.make("inspect-manifest-");
    cpSync(join(BUNDLED_PLUGINS, "echo"), join(dir, "echo"), { recursive: true });
    const { out } = await runPluginCli(["inspect", join(dir, "echo", "plugin.wasm"), "--json"]);
    expect(JSON.parse(out).manifest).toBe(join(dir, "echo", "manifest.json"));
  });

  test("not a module, or no file at all: a message, not a stack trace", async () => {
    const dir = temp.make("inspect-bad-");
    writeFileSync(join(dir, "fake.wasm"), "MZ this is not wasm");
    const bad = await runPluginCli(["inspect", join(dir, "fake.wasm")]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("is not a valid WebAssembly module");
    expect(bad.err).toContain("mcp-sidecar plugin build");
    expect(bad.err).not.toContain("    at ");
    const missing = await runPluginCli(["inspect", join(dir, "nope.wasm")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no such file");
  });

  test("a module whose list_tools never returns is stopped at its deadline, not waited on forever", async () => {
    const dir = temp.make("inspect-spin-");
    writeFileSync(join(dir, "plugin.wasm"), watModule(`(module (memory (export "memory") 1)
      (func (export "list_tools") (result i32) (loop $forever (br $forever)) (i32.const 0))
      (func (export "call_tool") (result i32) (i32.const 0)))`));
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ name: "spin", limits: { timeoutMs: 200 } }));
    const started = performance.now();
    const { code, err } = await runPluginCli(["inspect", join(dir, "plugin.wasm")]);
    expect(code).toBe(1);
    expect(err).toContain("listing its tools failed");
    expect(err).toMatch(/200 ?ms/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
