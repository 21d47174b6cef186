/**
 * Hot reload from the plugins folder with the real file watcher: add, change, break and remove plugins
 * while calls run. Waits on the registry's scan events, never on fixed sleeps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"], watch: true });
});
afterAll(() => gw.stop());

const result = (text: string) => ({ content: [{ type: "text", text }] });
/** Runs a file change and resolves once the watcher-triggered scan that sees it has finished. */
async function changeAndWait(change: () => void, until: () => boolean): Promise<void> {
  change();
  while (!until()) await gw.registry.nextScan();
}
const toolNames = () => gw.registry.catalog().tools.map((t) => t.item.name);

describe("hot reload", () => {
  test("a plugin dropped into the folder becomes callable without a restart", async () => {
    await changeAndWait(() => writeWatPlugin(gw.pluginsDir, { name: "greeter", tool: "greet", result: result("hello v1") }), () => toolNames().includes("greet"));
    await using client = await connectClient(gw.mcpUrl);
    expect((await client.callTool({ name: "greet", arguments: {} })).content).toEqual(result("hello v1").content);
  });

  test("a changed plugin is swapped in; a call already running finishes on the old version", async () => {
    // v1 asks the client for a sampling answer mid-call; the test answers only after v2 is live.
    writeWatPlugin(gw.pluginsDir, { name: "slow", tool: "slow", result: result("slow v1"), ...HOSTILE.hangInHostCall, manifest: { limits: { timeoutMs: 30_000 } } });
    await gw.registry.rescan();
    await using client = await connectClient(gw.mcpUrl, { sampling: {} });
    let answer!: () => void;
    const asked = new Promise<void>((resolveAsked) => {
      client.setRequestHandler(CreateMessageRequestSchema, () => {
        resolveAsked();
        return new Promise((resolve) => (answer = () => resolve({ role: "assistant", content: { type: "text", text: "ok" }, model: "test" })));
      });
    });
    const running = client.callTool({ name: "slow", arguments: {} });
    await asked;
    const before = gw.registry.catalog();
    await changeAndWait(
      () => writeWatPlugin(gw.pluginsDir, { name: "slow", tool: "slow", result: result("slow v2") }),
      () => gw.registry.catalog() !== before,
    );
    expect((await client.callTool({ name: "slow", arguments: {} })).content).toEqual(result("slow v2").content);
    answer();
    expect((await running).content).toEqual(result("slow v1").content);
  });

  test("a broken update is rejected with a logged reason and the old version keeps serving", async () => {
    await changeAndWait(
      () => writeFileSync(join(gw.pluginsDir, "greeter", "plugin.wasm"), "this is not wasm"),
      () => gw.registry.status().some((s) => s.folder === "greeter" && s.state === "stale"),
    );
    const status = gw.registry.status().find((s) => s.folder === "greeter")!;
    expect(status.error).toContain("could not be loaded");
    expect(gw.logs.some((l) => l.includes("plugin reload failed; keeping the previous version"))).toBe(true);
    await using client = await connectClient(gw.mcpUrl);
    expect((await client.callTool({ name: "greet", arguments: {} })).content).toEqual(result("hello v1").content);
    const ready = await (await fetch(`${gw.url}/readyz`)).json();
    expect(ready.plugins.find((p: { folder: string }) => p.folder === "greeter").state).toBe("stale");
  });

  test("an invalid manifest is rejected without stopping the other plugins", async () => {
    await changeAndWait(
      () => writeWatPlugin(gw.pluginsDir, { name: "bad-manifest", tool: "x", manifest: { risk: "EXTREME" } }),
      () => gw.registry.status().some((s) => s.folder === "bad-manifest"),
    );
    expect(gw.registry.status().find((s) => s.folder === "bad-manifest")).toMatchObject({ state: "failed" });
    expect(gw.registry.status().find((s) => s.folder === "bad-manifest")!.error).toContain("risk");
    expect(toolNames()).toContain("echo");
  });

  test("a removed plugin disappears from tools/list and its tool becomes unknown", async () => {
    await changeAndWait(() => rmSync(join(gw.pluginsDir, "greeter"), { recursive: true }), () => !toolNames().includes("greet"));
    await using client = await connectClient(gw.mcpUrl);
    const err = await client.callTool({ name: "greet", arguments: {} }).catch((e) => e);
    expect(err.code).toBe(-32602);
  });

  test("two plugins offering one tool name: the plugin whose name sorts first serves it", async () => {
    await changeAndWait(() => {
      writeWatPlugin(gw.pluginsDir, { name: "b-twin", tool: "twin", result: result("from b") });
      writeWatPlugin(gw.pluginsDir, { name: "a-twin", tool: "twin", result: result("from a") });
    }, () => gw.registry.plugins().some((p) => p.manifest.name === "a-twin") && gw.registry.plugins().some((p) => p.manifest.name === "b-twin"));
    await using client = await connectClient(gw.mcpUrl);
    expect((await client.callTool({ name: "twin", arguments: {} })).content).toEqual(result("from a").content);
    expect(gw.logs.some((l) => l.includes('tool name conflict: \\"twin\\" is served by a-twin; b-twin'))).toBe(true);
  });
});

