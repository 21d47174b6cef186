import { describe, expect, test } from "bun:test";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLED_PLUGINS } from "../../../test/helpers/gateway.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import { HOSTILE, writeWatPlugin } from "../../../test/helpers/wat-plugin.ts";
import { runPluginCli } from "./testkit.ts";

const temp = tempFolders();

/** The bundled echo plugin in a scratch folder, with the given tests.json. */
function echoWithTests(cases: unknown): string {
  const dir = join(temp.make("plugin-test-"), "echo");
  cpSync(join(BUNDLED_PLUGINS, "echo"), dir, { recursive: true });
  writeFileSync(join(dir, "tests.json"), typeof cases === "string" ? cases : JSON.stringify(cases));
  return dir;
}

describe("plugin test", () => {
  test("passing cases: one ok line each, a summary, exit 0", async () => {
    const dir = echoWithTests([
      { name: "echoes", tool: "echo", arguments: { text: "hi" }, expect: { text: "hi" } },
      { name: "repeats", tool: "echo", arguments: { text: "ab", repeat: 3 }, expect: { contains: "ababab", isError: false } },
    ]);
    const { code, out } = await runPluginCli(["test", dir]);
    expect(out).toMatch(/^ok {3}echoes \(/m);
    expect(out).toMatch(/^ok {3}repeats \(/m);
    expect(out).toContain("2 passed, 0 failed — echo 0.1.0 (hyper-mcp ABI)");
    expect(code).toBe(0);
  });

  test("a failing case says what was expected and what came back, exit 1", async () => {
    const dir = echoWithTests([
      { name: "wrong text", tool: "echo", arguments: { text: "hi" }, expect: { text: "bye" } },
      { name: "unexpected tool error", tool: "echo", arguments: { text: "HI", repeat: 2 }, expect: { text: "" } },
      { name: "refused by the gateway", tool: "echo", arguments: {}, expect: { isError: true } },
      { name: "no such tool", tool: "ohce", arguments: {}, expect: { isError: false } },
      { name: "still runs the rest", tool: "echo", arguments: { text: "x" }, expect: { text: "x" } },
    ]);
    const { code, out } = await runPluginCli(["test", dir]);
    expect(code).toBe(1);
    expect(out).toContain('FAIL wrong text');
    expect(out).toContain('expected text "bye", got "hi"');
    expect(out).toMatch(/FAIL unexpected tool error[^\n]*\n[^\n]*expected text "", got "HIHI"/);
    expect(out).toMatch(/FAIL refused by the gateway[^\n]*\n[^\n]*the gateway refuses these arguments before the plugin runs \(-32602\): \/text is required/);
    expect(out).toContain('the plugin offers no tool "ohce" (it offers: echo)');
    expect(out).toMatch(/^ok {3}still runs the rest/m);
    expect(out).toContain("1 passed, 4 failed");
  });

  test("a plugin that never returns fails its case at the manifest's deadline (the real sandbox's limits)", async () => {
    const dir = writeWatPlugin(temp.make("plugin-test-spin-"), { name: "spinner", tool: "spin", ...HOSTILE.spin, manifest: { limits: { timeoutMs: 300 } } });
    writeFileSync(join(dir, "tests.json"), JSON.stringify([{ name: "returns", tool: "spin", arguments: {}, expect: { isError: false } }]));
    const started = performance.now();
    const { code, out } = await runPluginCli(["test", dir]);
    expect(code).toBe(1);
    expect(out).toContain("expected isError false, got true");
    expect(out).toMatch(/text: "Tool \\"spin\\" failed: [^"]*300 ms/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("malformed tests.json: the case and field are named, with the format", async () => {
    const dir = echoWithTests([{ name: "ok", tool: "echo", expect: { text: "x" } }, { name: "typo", tool: "echo", expect: { isEror: true } }]);
    const { code, err } = await runPluginCli(["test", dir]);
    expect(code).toBe(2);
    expect(err).toContain("[1].expect");
    expect(err).toContain('"expect": {"text"?, "contains"?, "isError"?}');
    writeFileSync(join(dir, "tests.json"), "[{ not json");
    expect((await runPluginCli(["test", dir])).err).toContain("tests.json is not valid JSON");
    writeFileSync(join(dir, "tests.json"), "[]");
    expect((await runPluginCli(["test", dir])).err).toContain("add at least one test case");
  });

  test("no module yet, or no tests.json: says which command to run", async () => {
    const dir = echoWithTests([{ name: "x", tool: "echo", expect: { text: "" } }]);
    rmSync(join(dir, "plugin.wasm"));
    const unbuilt = await runPluginCli(["test", dir]);
    expect(unbuilt.code).toBe(2);
    expect(unbuilt.err).toContain(`build it first with: mcp-sidecar plugin build ${dir}`);
    const bare = join(temp.make("plugin-test-bare-"), "echo");
    cpSync(join(BUNDLED_PLUGINS, "echo"), bare, { recursive: true });
    expect((await runPluginCli(["test", bare])).err).toContain("tests.json is missing");
  });

  test("a plugin granted kv gets a store of its own: shared by the run's cases, empty again next run", async () => {
    const dir = join(temp.make("plugin-test-kv-"), "kv");
    cpSync(join(BUNDLED_PLUGINS, "kv"), dir, { recursive: true });
    const get = { name: "get", tool: "kv_get", arguments: { key: "greeting" } };
    writeFileSync(join(dir, "tests.json"), JSON.stringify([
      { name: "set", tool: "kv_set", arguments: { key: "greeting", value: "hi" }, expect: { isError: false } },
      { ...get, expect: { text: '{"found":true,"value":"hi"}' } },
    ]));
    const first = await runPluginCli(["test", dir]);
    expect(first.out).toContain("2 passed, 0 failed");
    writeFileSync(join(dir, "tests.json"), JSON.stringify([{ ...get, expect: { text: '{"found":false}' } }]));
    const second = await runPluginCli(["test", dir]);
    expect(second.out).toContain("1 passed, 0 failed");
  });
});
