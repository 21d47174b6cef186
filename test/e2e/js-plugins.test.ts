/**
 * JavaScript / TypeScript plugins end to end: plugins compiled by plugins-js from folders outside the
 * repository (a TS fixture with a local import, and the JS echo example), loaded by a real gateway and called
 * over Streamable HTTP with the SDK client. The engine comes from the repository's cache (.tmp/), so only the
 * first run on a machine compiles QuickJS; that is why the setup has a long timeout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileJsPlugin } from "../../plugins-js/compiler/index.ts";
import { textOf } from "../helpers/contained.ts";
import { connectClient, REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { expectOtherHostDenied, expectProgressAndLog, expectSpinStoppedAtDeadline, startToolboxTarget } from "../helpers/toolbox-fixture.ts";

const temp = tempFolders();
const CACHE = join(REPO, ".tmp", "plugins-js-cache");
const FIXTURE = join(REPO, "plugins-js", "fixtures", "toolbox");
const ECHO = join(REPO, "plugins-js", "examples", "echo");
let gw: TestGateway;
/** The HTTP target the plugin may (127.0.0.1) or may not (localhost) reach. */
let target: ReturnType<typeof Bun.serve>;

/** Copies a plugin folder away from the repository and compiles it into the gateway's plugins folder. */
async function install(from: string, entry: string, name: string) {
  const src = join(temp.make("js-src-"), name);
  cpSync(from, src, { recursive: true });
  cpSync(join(src, "manifest.json"), join(gw.pluginsDir, name, "manifest.json"));
  return compileJsPlugin({ entry: join(src, entry), out: join(gw.pluginsDir, name, "plugin.wasm"), cacheDir: CACHE });
}

beforeAll(async () => {
  target = startToolboxTarget();
  gw = await startTestGateway();
  await install(FIXTURE, "index.ts", "js-toolbox");
  await install(ECHO, "index.js", "echo-js");
  await gw.registry.rescan();
}, 300_000);
afterAll(async () => {
  await gw?.stop();
  target?.stop(true);
});

describe("a TypeScript plugin compiled by plugins-js, called through the gateway", () => {
  test("lists its tools with their schemas and greets with the configured value", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const tools = (await client.listTools()).tools;
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["greet", "fail", "fetch_text", "count_to", "spin", "echo_js"]));
    expect(tools.find((t) => t.name === "spin")!.inputSchema).toEqual({ type: "object" });
    expect(textOf(await client.callTool({ name: "greet", arguments: { name: "Ada" } }))).toBe("Hola, Ada!");
  });

  test("a thrown error is an isError result with its message, and the plugin keeps serving", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "fail", arguments: { reason: "disk on fire" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("cannot continue: disk on fire");
    expect(textOf(await client.callTool({ name: "greet", arguments: {} }))).toBe("Hola, stranger!");
  });

  test("console.log and console.warn reach the gateway log", async () => {
    await using client = await connectClient(gw.mcpUrl);
    expect(textOf(await client.callTool({ name: "shout", arguments: { text: "hey" } }))).toBe("HEY");
    const pluginLines = gw.logs.filter((l) => l.includes("shouting hey"));
    expect(pluginLines.some((l) => l.includes('shouting hey {\\"loud\\":true}'))).toBe(true);
    expect(gw.logs.some((l) => l.includes("careful with hey"))).toBe(true);
  });

  test("an async handler's value becomes structured content", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "later", arguments: { text: "día" } });
    expect(result.structuredContent).toEqual({ text: "DÍA", length: 3 });
    expect(JSON.parse(textOf(result))).toEqual({ text: "DÍA", length: 3 });
  });

  test("HTTP to an allowed host works (GET and POST); another host fails the call naming it", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const base = `http://127.0.0.1:${target.port}`;
    const got = await client.callTool({ name: "fetch_text", arguments: { url: `${base}/ping` } });
    expect(got.structuredContent).toEqual({ status: 200, body: "hello from /ping", via: "test-target" });
    const posted = await client.callTool({ name: "fetch_text", arguments: { url: `${base}/in`, method: "post", body: "día ✓" } });
    expect(posted.structuredContent).toEqual({ status: 200, body: "posted text/plain: día ✓", via: "test-target" });
    await expectOtherHostDenied(client, target);
  });

  test("progress and log notifications reach the client", async () => {
    await using client = await connectClient(gw.mcpUrl);
    await expectProgressAndLog(client);
  });

  test("build-time code saw a frozen clock; at run time the clock is live and Math.random is not a fixed sequence", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const a = (await client.callTool({ name: "clock_and_dice", arguments: {} })).structuredContent as any;
    const b = (await client.callTool({ name: "clock_and_dice", arguments: {} })).structuredContent as any;
    expect(a.loadedAt).toBe(0);
    expect(a.nowIsLive).toBe(true);
    expect(new Set([...a.rolls, ...b.rolls]).size).toBe(4);
  });

  test("an infinite loop is stopped at the plugin's deadline and the plugin keeps serving", async () => {
    await using client = await connectClient(gw.mcpUrl);
    await expectSpinStoppedAtDeadline(client);
  });

  test("allocating without bound stops at the manifest's memory limit as an error, and the plugin keeps serving", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "hog", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("out of memory");
    expect(textOf(await client.callTool({ name: "greet", arguments: { name: "lean" } }))).toBe("Hola, lean!");
  });

  test("unbounded recursion is a JS stack-overflow error, not a crash", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "recurse", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("stack overflow"); // QuickJS's InternalError message, not a wasm trap
    expect(textOf(await client.callTool({ name: "greet", arguments: { name: "after" } }))).toBe("Hola, after!");
  });
});

describe("the JS echo example", () => {
  test("returns its text unchanged, non-ASCII included, and repeats it", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const text = 'héllo ✓ "quoted" \\ 日本 🎉\n';
    expect((await client.callTool({ name: "echo_js", arguments: { text } })).content).toEqual([{ type: "text", text }]);
    expect(textOf(await client.callTool({ name: "echo_js", arguments: { text: "ab", repeat: 3 } }))).toBe("ababab");
  });

  test("rebuilding it gives the committed plugins/echo-js bytes", async () => {
    const out = join(temp.make("js-echo-"), "plugin.wasm");
    const built = await compileJsPlugin({ entry: join(ECHO, "index.js"), out, cacheDir: CACHE });
    expect(built.engineCached).toBe(true);
    expect(Buffer.compare(readFileSync(out), readFileSync(join(REPO, "plugins", "echo-js", "plugin.wasm")))).toBe(0);
    expect(readFileSync(join(ECHO, "manifest.json"), "utf8")).toBe(readFileSync(join(REPO, "plugins", "echo-js", "manifest.json"), "utf8"));
  });
});

describe("a JS plugin's bytes depend only on its sources", () => {
  test("the same plugin built in two differently named folders gives identical wasm", async () => {
    const sha256 = (file: string) => new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
    const builds = await Promise.all(
      ["hello", "renamed-elsewhere"].map(async (folder) => {
        const src = join(temp.make("js-folder-"), folder);
        cpSync(FIXTURE, src, { recursive: true });
        const out = join(src, "plugin.wasm");
        await compileJsPlugin({ entry: join(src, "index.ts"), out, cacheDir: CACHE });
        return sha256(out);
      }),
    );
    expect(builds[0]).toBe(builds[1]!);
  });
});

describe("compileJsPlugin refuses bad plugins with the reason", () => {
  async function compileSource(source: string, file = "index.ts") {
    const dir = temp.make("js-bad-");
    writeFileSync(join(dir, file), source);
    const out = join(dir, "plugin.wasm");
    const err = await compileJsPlugin({ entry: join(dir, file), out, cacheDir: CACHE }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(existsSync(out)).toBe(false);
    return err?.message ?? "(it compiled)";
  }

  test("a syntax error names the file, line and column and shows the line", async () => {
    const message = await compileSource("export default {\n  tools: [ }");
    expect(message).toMatch(/^bundling .*index\.ts failed:/);
    expect(message).toContain("index.ts:2:12: error: Unexpected }\n      tools: [ }\n               ^");
  });

  test("a syntax error in a local import names that file", async () => {
    const dir = temp.make("js-bad-import-");
    writeFileSync(join(dir, "index.ts"), 'import { x } from "./lib.ts";\nexport default { tools: [], x };\n');
    writeFileSync(join(dir, "lib.ts"), "// helper\nexport const x = ;\n");
    const err = await compileJsPlugin({ entry: join(dir, "index.ts"), out: join(dir, "plugin.wasm"), cacheDir: CACHE }).catch((e: Error) => e);
    expect((err as Error).message).toContain("lib.ts:2:18: error: Unexpected ;");
  });

  test("a module without `export default { tools }`", async () => {
    expect(await compileSource("export const x = 1;")).toContain("the plugin must `export default { tools: [...] }`");
  });

  test("a tool without a handler, or defined twice", async () => {
    expect(await compileSource('export default { tools: [{ name: "a" }] };')).toContain('tool "a" needs a handler(args, ctx) function');
    const twice = 'const t = { name: "a", handler: () => 1 }; export default { tools: [t, t] };';
    expect(await compileSource(twice)).toContain('tool "a" is defined twice');
  });

  test("top-level code that throws, or calls the host at build time", async () => {
    expect(await compileSource('throw new Error("boom at load");')).toContain("boom at load");
    expect(await compileSource('config.get("x"); export default { tools: [] };', "index.js")).toContain(
      "config.get is only available while a tool runs",
    );
  });

  test("an import of a Node built-in, and an entry that is not JS/TS", async () => {
    const fs = 'import { readFileSync } from "node:fs"; export default { tools: [{ name: "r", handler: () => readFileSync("/etc/passwd", "utf8") }] };';
    expect(await compileSource(fs)).toContain('index.ts imports "node:fs", which is a Node/Bun built-in, not available inside a plugin');
    expect(await compileSource("{}", "plugin.json")).toContain("must be a .js/.mjs/.cjs/.ts/.mts/.cts file");
  });
});
