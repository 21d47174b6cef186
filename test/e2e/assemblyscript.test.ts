/**
 * AssemblyScript plugins end to end: a plugin folder outside the repository is built with
 * plugins-as/build.ts (the PDK resolved from this repository), loaded by a real gateway from its plugins
 * folder and called over Streamable HTTP with the SDK client. Fixture: plugins-as/fixtures/toolbox.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateMessageRequestSchema, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { buildAssemblyScriptPlugin, loadCompiler } from "../../plugins-as/build.ts";
import { textOf } from "../helpers/contained.ts";
import { connectClient, REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { expectOtherHostDenied, expectProgressAndLog, expectSpinStoppedAtDeadline, startToolboxTarget } from "../helpers/toolbox-fixture.ts";

const temp = tempFolders();
const FIXTURE = join(REPO, "plugins-as", "fixtures", "toolbox");
let gw: TestGateway;
/** Answers as the HTTP target the plugin may (127.0.0.1) or may not (localhost) reach. */
let target: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  target = startToolboxTarget();
  gw = await startTestGateway({ plugins: ["echo-as"] });
  // A copy away from the repository: the build must still find the PDK.
  const source = join(temp.make("as-src-"), "my-plugin");
  cpSync(FIXTURE, source, { recursive: true });
  await buildAssemblyScriptPlugin({ dir: source, out: join(gw.pluginsDir, "as-fixture", "plugin.wasm") });
  await gw.registry.rescan();
});
afterAll(async () => {
  await gw?.stop();
  target?.stop(true);
});

describe("an AssemblyScript plugin built from a folder outside the repo, called through the gateway", () => {
  test("lists its tools and returns a configured value", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["greet", "fetch_text", "count_to", "fail", "spin", "echo_as"]));
    const result = await client.callTool({ name: "greet", arguments: { name: "Ada" } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe("Hola, Ada!");
  });

  test("the bundled echo_as returns its text unchanged, non-ASCII included", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const text = 'héllo ✓ "quoted" \\ 日本 🎉\n';
    const result = await client.callTool({ name: "echo_as", arguments: { text } });
    expect(result.content).toEqual([{ type: "text", text }]);
    // Long text full of escapes and multi-byte characters: the writer's buffer grows mid-string.
    const long = '"\\\n\u0007é日🎉'.repeat(2000);
    expect((await client.callTool({ name: "echo_as", arguments: { text: long } })).content).toEqual([{ type: "text", text: long }]);
    const repeated = await client.callTool({ name: "echo_as", arguments: { text: "ab", repeat: 3 } });
    expect(textOf(repeated)).toBe("ababab");
  });

  test("a thrown error is an isError result carrying its message and where it was thrown", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "fail", arguments: { reason: "disk on fire" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("plugin aborted: cannot continue: disk on fire at assembly/index.ts:");
    // The crashed instance is replaced: the next call is served normally.
    expect(textOf(await client.callTool({ name: "greet", arguments: {} }))).toBe("Hola, stranger!");
  });

  test("an index out of range (a runtime abort) names the error instead of an opaque trap", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "out_of_range", arguments: { index: 10 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("plugin aborted: Index out of range at ~lib/");
  });

  test("HTTP to an allowed host works; another host fails the call naming it", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const allowed = await client.callTool({ name: "fetch_text", arguments: { url: `http://127.0.0.1:${target.port}/ping` } });
    expect(allowed.isError).toBeFalsy();
    expect(allowed.structuredContent).toEqual({ status: 200, body: "hello from /ping", via: "test-target" });
    await expectOtherHostDenied(client, target);
  });

  test("a POST with a body and a header reaches the allowed host", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "post_text", arguments: { url: `http://127.0.0.1:${target.port}/in`, body: "día ✓" } });
    expect(textOf(result)).toBe("200 posted text/plain: día ✓");
  });

  test("sampling and roots requests go to the client and their answers come back", async () => {
    await using client = await connectClient(gw.mcpUrl, { sampling: {}, roots: {} });
    client.setRequestHandler(CreateMessageRequestSchema, (req) => ({
      model: "test-model",
      role: "assistant",
      content: { type: "text", text: `you asked: ${(req.params.messages[0]!.content as { text: string }).text}` },
    }));
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///work", name: "work" }] }));
    expect(textOf(await client.callTool({ name: "ask_model", arguments: { question: "why?" } }))).toBe("you asked: why?");
    expect((await client.callTool({ name: "roots", arguments: {} })).structuredContent).toEqual({ roots: [{ uri: "file:///work", name: "work" }] });
  });

  test("the PDK's JSON reads escapes, surrogate pairs and numbers, and writes them back", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const echo = async (json: string) => client.callTool({ name: "json_echo", arguments: { json } });
    const parsed = await echo('{"s":"\\ud83c\\udf89 \\u00e9 \\n \\"q\\" \\\\","n":[1,-2.5,1e3,0.125,true,false,null],"o":{}}');
    expect(JSON.parse(textOf(parsed))).toEqual({ s: '🎉 é \n "q" \\', n: [1, -2.5, 1000, 0.125, true, false, null], o: {} });
    expect(textOf(await echo('"\\u0001"'))).toBe('"\\u0001"');
    expect(textOf(await echo('"\\ud800 lone"'))).toBe('"\ufffd lone"'); // a lone surrogate cannot be UTF-8
  });

  test("malformed or hostile JSON is refused with a reason, not a crash", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const echo = async (json: string) => client.callTool({ name: "json_echo", arguments: { json } });
    const deep = await echo("[".repeat(10_000) + "]".repeat(10_000));
    expect(deep.isError).toBe(true);
    expect(textOf(deep)).toContain("invalid JSON: JSON nested too deeply");
    for (const bad of ['{"a":1,}', '"unterminated', '{"a" 1}', "[1] 2", '"\\x"', "nul"]) {
      const result = await echo(bad);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toStartWith("invalid JSON: ");
    }
  });

  test("progress and log notifications reach the client", async () => {
    await using client = await connectClient(gw.mcpUrl);
    await expectProgressAndLog(client);
  });

  test("variables persist across calls on the same instance", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const first = Number(textOf(await client.callTool({ name: "visits", arguments: {} })));
    const second = Number(textOf(await client.callTool({ name: "visits", arguments: {} })));
    expect(second).toBe(first + 1);
    await client.callTool({ name: "forget", arguments: {} });
    expect(textOf(await client.callTool({ name: "visits", arguments: {} }))).toBe("1");
  });

  test("an infinite loop is stopped at the plugin's deadline and the plugin keeps serving", async () => {
    await using client = await connectClient(gw.mcpUrl);
    await expectSpinStoppedAtDeadline(client);
  });
});

describe("buildAssemblyScriptPlugin", () => {
  test("a compile error fails the build with the compiler's diagnostic", async () => {
    const dir = temp.make("as-bad-");
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, "assembly", "index.ts"), "export function call_tool(): i32 { return notDefined; }\n");
    const out = join(temp.make("as-bad-out-"), "plugin.wasm");
    const err = await buildAssemblyScriptPlugin({ dir, out }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("Cannot find name 'notDefined'");
    expect(existsSync(out)).toBe(false);
  });

  test("standard-library calls no Extism host can serve fail the build, naming what to use instead", async () => {
    const dir = temp.make("as-env-");
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(
      join(dir, "assembly", "index.ts"),
      "export function call_tool(): i32 { console.log(Date.now().toString()); return <i32>(Math.random() * 10); }\n",
    );
    const err = (await buildAssemblyScriptPlugin({ dir, out: join(dir, "p.wasm") }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("the plugin uses");
    expect(err.message).toContain("Math.random (Extism offers plugins no random source)");
    expect(err.message).toContain("console.log (use log() from mcp-sidecar-pdk)");
    expect(err.message).toContain("Date.now (pass the time as an argument)");
    expect(existsSync(join(dir, "p.wasm"))).toBe(false);
  });

  test("every PDK export compiles and imports its host function by the ABI's module and name", async () => {
    const out = join(temp.make("as-api-"), "plugin.wasm");
    await buildAssemblyScriptPlugin({ dir: join(REPO, "plugins-as", "fixtures", "api-surface"), out });
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(out))).map((i) => `${i.module} ${i.name}`);
    const user = ["create_elicitation", "create_message", "list_roots", "notify_logging_message", "notify_progress", "notify_resource_updated", "notify_tool_list_changed"];
    const env = ["config_get", "var_get", "var_set", "http_request", "http_status_code", "http_headers", "log_debug", "get_log_level", "error_set", "output_set"];
    expect(imports).toEqual(expect.arrayContaining([...user.map((n) => `extism:host/user ${n}`), ...env.map((n) => `extism:host/env ${n}`)]));
    expect(imports.filter((i) => !i.startsWith("extism:host/"))).toEqual([]);
  });

  test("a missing compiler is an error naming the npm command that installs it", async () => {
    await expect(loadCompiler("assemblyscript-not-installed/asc")).rejects.toThrow("run `npm install --save-exact assemblyscript@0.28.20`");
  });

  test("a folder without assembly/index.ts, or with an invalid manifest, is refused with what to fix", async () => {
    const empty = temp.make("as-empty-");
    await expect(buildAssemblyScriptPlugin({ dir: empty, out: join(empty, "p.wasm") })).rejects.toThrow("has no assembly/index.ts");
    const dir = temp.make("as-manifest-");
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ name: "bad name!" }));
    await expect(buildAssemblyScriptPlugin({ dir, out: join(dir, "p.wasm") })).rejects.toThrow("name: must be 1-64 letters");
  });
});
