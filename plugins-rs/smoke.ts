// Smoke test for the plugins built from plugins-rs/plugins/: loads each wasm with
// the reference Extism JS SDK (not the gateway's own host, so a plugin that only
// works with our host shows up here), with stub `extism:host/user` functions, and
// prints what the MCP exports return.
// Run: npx bun plugins-rs/smoke.ts [plugins-dir]
// Default: the installed ../plugins/ and ../test/plugins/ (conformance). Only the
// Rust plugins are exercised: the SDK's Bun build refuses WASI, which QuickJS
// (plugins-js) needs, and the AssemblyScript and JS plugins have their own
// end-to-end tests (test/e2e/assemblyscript.test.ts, js-plugins.test.ts).
import createPlugin from "@extism/extism";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const dirs = process.argv[2] ? [process.argv[2]] : [join(import.meta.dir, "..", "plugins"), join(import.meta.dir, "..", "test", "plugins")];
const RUST_PLUGINS = new Set(
  readdirSync(join(import.meta.dir, "plugins"))
    .filter((d) => existsSync(join(import.meta.dir, "plugins", d, "manifest.json")))
    .map((d) => JSON.parse(readFileSync(join(import.meta.dir, "plugins", d, "manifest.json"), "utf8")).name as string),
);
const notes: string[] = [];

// Stubs for the hyper-mcp host functions (docs/plugin-abi.md §3.1). They record
// what the plugin sent so the smoke output shows the JSON crossing the ABI.
const ctx = (cc: any, h: bigint) => cc.read(h)?.json();
const hostUser = {
  notify_progress: (cc: any, h: bigint) => void notes.push(`progress ${JSON.stringify(ctx(cc, h))}`),
  notify_logging_message: (cc: any, h: bigint) => void notes.push(`log ${JSON.stringify(ctx(cc, h))}`),
  create_message: (cc: any, h: bigint) => {
    notes.push(`sampling ${JSON.stringify(ctx(cc, h))}`);
    return cc.store(JSON.stringify({ role: "assistant", content: { type: "text", text: "stub reply" }, model: "stub" }));
  },
  create_elicitation: (cc: any, h: bigint) => {
    notes.push(`elicit ${JSON.stringify(ctx(cc, h))}`);
    return cc.store(JSON.stringify({ action: "accept", content: { name: "stub" } }));
  },
  list_roots: (cc: any) => cc.store(JSON.stringify({ roots: [{ uri: "file:///tmp", name: "tmp" }] })),
  notify_tool_list_changed: () => void notes.push("tools/list_changed"),
  notify_resource_list_changed: () => void notes.push("resources/list_changed"),
  notify_prompt_list_changed: () => void notes.push("prompts/list_changed"),
  notify_resource_updated: (cc: any, h: bigint) => void notes.push(`resource updated ${JSON.stringify(ctx(cc, h))}`),
  notify_url_elicitation_completed: (cc: any, h: bigint) => void notes.push(`url elicitation done ${JSON.stringify(ctx(cc, h))}`),
  close_sse_stream: () => void notes.push("close SSE stream"),
};

const context = { id: 1, _meta: { progressToken: "p1" } };
let failures = 0;

// A host function these stubs do not cover (the capabilities: kv_*, fs_*, sql_*,
// ...) fails only if a check calls it, naming itself, instead of failing the load.
async function load(dir: string, name: string) {
  const data = readFileSync(join(dir, name, "plugin.wasm"));
  const user: Record<string, Function> = { ...hostUser };
  for (const imp of WebAssembly.Module.imports(new WebAssembly.Module(data))) {
    if (imp.module === "extism:host/user" && imp.kind === "function" && !(imp.name in user)) {
      user[imp.name] = () => {
        throw new Error(`smoke.ts has no stub for extism:host/user ${imp.name}`);
      };
    }
  }
  return createPlugin({ wasm: [{ data }] }, { useWasi: false, functions: { "extism:host/user": user } });
}

// Calls `fn` and prints the output. `expect` (a substring of the output, or
// "error" for an Extism error) turns the line into a check.
async function show(plugin: any, fn: string, input: unknown, expect?: string) {
  const body = input === undefined ? "" : JSON.stringify(input);
  let line: string;
  let ok = true;
  try {
    const out = await plugin.call(fn, body);
    const text = out ? out.text() : "";
    JSON.parse(text || "null");
    line = `-> ${text.slice(0, 300)}`;
    if (expect !== undefined) ok = expect !== "error" && text.includes(expect);
  } catch (e) {
    line = `!! ${(e as Error).message}`;
    ok = expect === "error";
  }
  console.log(`  ${ok ? "" : "FAIL "}${fn}(${body.slice(0, 80)}) ${line}`);
  if (!ok) failures++;
  for (const n of notes.splice(0)) console.log(`    host <- ${n}`);
}

const call = (name: string, args?: unknown) => ({ request: args === undefined ? { name } : { name, arguments: args }, context });

const skipped: string[] = [];
const installed = dirs.flatMap((dir) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => existsSync(join(dir, name, "plugin.wasm"))).map((name) => ({ dir, name })) : [],
);
const exercised = installed.filter(({ name }) => RUST_PLUGINS.has(name) || (skipped.push(name), false));
if (exercised.length === 0) {
  console.log(`no plugin built from plugins-rs/plugins/ in ${dirs.join(", ")} (run plugins-rs/build.sh)`);
  process.exit(1);
}
for (const { dir, name } of exercised.sort((a, b) => a.name.localeCompare(b.name))) {
  const manifest = JSON.parse(readFileSync(join(dir, name, "manifest.json"), "utf8"));
  const plugin = await load(dir, name);
  const exports = (await plugin.getExports()).map((e: any) => e.name).filter((n: string) => n !== "memory");
  const imports = (await plugin.getImports()).map((i: any) => `${i.module}.${i.name}`);
  console.log(`${name} (${manifest.abi}): exports ${exports.join(", ")}`);
  console.log(`  imports ${imports.join(", ")}`);
  if (exports.includes("describe")) {
    await show(plugin, "describe", undefined, '"name":"servlet_echo"');
    await show(plugin, "call", { params: { name: "servlet_echo", arguments: { text: "hello servlet" } } }, '"text":"hello servlet"');
    await show(plugin, "call", { params: { name: "nope", arguments: {} } }, "error");
  } else {
    await show(plugin, "list_tools", { context }, '"tools":[');
  }
  if (name === "echo") {
    await show(plugin, "call_tool", call("echo", { text: "hello" }), '{"content":[{"type":"text","text":"hello"}]}');
    await show(plugin, "call_tool", call("echo", {}), '"isError":true');
    await show(plugin, "call_tool", call("nope"), "error");
    await show(plugin, "call_tool", "not an object", "error");
    // Many calls on one instance: the SDK keeps buffers until reset().
    const t0 = performance.now();
    const n = 2000;
    for (let i = 0; i < n; i++) {
      await plugin.call("call_tool", JSON.stringify(call("echo", { text: "x" })));
      if (i % 1000 === 999) await plugin.reset();
    }
    console.log(`  ${n} echo calls: ${(((performance.now() - t0) * 1000) / n).toFixed(1)} µs/call`);
  } else if (name === "text-tools") {
    const long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; // FIPS 180-2 two-block vector
    const checks: Array<[string, unknown, string]> = [
      ["word_count", { text: "the quick  brown fox\njumps" }, '"structuredContent":{"words":5,"lines":2,"characters":26,"bytes":26}'],
      ["sha256", { text: "abc" }, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
      ["sha256", { text: "" }, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      ["sha256", { text: long }, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
      ["base64_encode", { text: "hello, world" }, '"aGVsbG8sIHdvcmxk"'],
      ["base64_encode", { text: "ab" }, '"YWI="'],
      ["base64_decode", { data: "aGVsbG8sIHdvcmxk" }, '"hello, world"'],
      ["base64_decode", { data: "YWI" }, '"ab"'],
      ["base64_decode", { data: "!!!" }, '"isError":true'],
      ["case", { text: "hello wORLD", to: "title" }, '"Hello World"'],
      ["case", { text: "x", to: "sideways" }, '"isError":true'],
    ];
    for (const [tool, args, expect] of checks) await show(plugin, "call_tool", call(tool, args), expect);
  } else if (name === "conformance") {
    const checks: Array<[string, unknown, string]> = [
      ["test_simple_text", undefined, "This is a simple text response for testing."],
      ["test_image_content", {}, '"type":"image","data":"iVBOR'],
      ["test_audio_content", {}, '"mimeType":"audio/wav"'],
      ["test_embedded_resource", {}, '"uri":"test://embedded-resource"'],
      ["test_multiple_content_types", {}, '"uri":"test://mixed-content-resource"'],
      ["test_tool_with_logging", {}, "Tool with logging executed successfully"],
      ["test_error_handling", {}, '"isError":true'],
      ["test_tool_with_progress", {}, '"text":"p1"'],
      ["test_sampling", { prompt: "Test prompt for sampling" }, "LLM response: stub reply"],
      ["test_elicitation", { message: "Please provide your information" }, "User response: action=accept"],
      ["test_elicitation_sep1034_defaults", {}, "Elicitation completed: action=accept"],
      ["test_elicitation_sep1330_enums", {}, "Elicitation completed: action=accept"],
      ["json_schema_2020_12_tool", { name: "x" }, 'called with: {\\"name\\":\\"x\\"}'],
      ["test_reconnection", {}, "Reconnection test completed successfully"],
    ];
    for (const [tool, args, expect] of checks) await show(plugin, "call_tool", call(tool, args), expect);
    await show(plugin, "list_tools", { context }, '"$schema":"https://json-schema.org/draft/2020-12/schema"');
    await show(plugin, "list_resources", { context }, '"uri":"test://static-text"');
    await show(plugin, "list_resource_templates", { context }, '"uriTemplate":"test://template/{id}/data"');
    await show(plugin, "read_resource", { request: { uri: "test://static-text" }, context }, "This is the content of the static text resource.");
    await show(plugin, "read_resource", { request: { uri: "test://static-binary" }, context }, '"blob":"iVBOR');
    await show(plugin, "read_resource", { request: { uri: "test://template/123/data" }, context }, "Data for ID: 123");
    await show(plugin, "read_resource", { request: { uri: "test://nope" }, context }, "error");
    await show(plugin, "list_prompts", { context }, '"name":"test_prompt_with_image"');
    await show(plugin, "get_prompt", { request: { name: "test_simple_prompt" }, context }, "This is a simple prompt for testing.");
    await show(plugin, "get_prompt", { request: { name: "test_prompt_with_arguments", arguments: { arg1: "testValue1", arg2: "testValue2" } }, context }, "arg1='testValue1', arg2='testValue2'");
    await show(plugin, "get_prompt", { request: { name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://example-resource" } }, context }, '"uri":"test://example-resource"');
    await show(plugin, "get_prompt", { request: { name: "test_prompt_with_image" }, context }, '"type":"image"');
    await show(plugin, "get_prompt", { request: { name: "test_prompt_with_arguments" }, context }, "error");
    await show(plugin, "complete", { request: { ref: { type: "prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "par" } }, context }, '"values":["paris","park","party"]');
    await show(plugin, "complete", { request: { ref: { type: "ref/prompt", name: "other" }, argument: { name: "a", value: "" } }, context }, '"values":[]');
  }
  await plugin.close();
}

if (skipped.length) console.log(`skipped (not built from plugins-rs): ${skipped.sort().join(", ")}`);
if (failures) {
  console.log(`${failures} unexpected result(s)`);
  process.exit(1);
}
console.log("smoke ok");
