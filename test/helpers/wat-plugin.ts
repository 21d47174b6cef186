/**
 * Builds small hyper-mcp plugins from WAT for tests: one tool whose `call_tool` body is given as WAT, the
 * Extism plumbing (copying a data segment into an output block) written once here. Hostile behaviours
 * (loops, memory bombs, floods, traps, hanging host calls) are a few lines each this way.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";

const wabt = await wabtInit();

export interface WatPluginSpec {
  name: string;
  tool: string;
  /** The tool's description and inputSchema as list_tools reports them (defaults: "<tool> (test plugin)", {type:"object"}). */
  description?: string;
  inputSchema?: Record<string, unknown>;
  /** WAT instructions run by call_tool before it returns `result` (may never return). */
  body?: string;
  /** CallToolResult JSON returned when the body finishes. */
  result?: unknown;
  /** Extra module-level WAT (imports, functions, globals). */
  extra?: string;
  manifest?: Record<string, unknown>;
  memoryPages?: number;
}

/** A WAT string literal holding the UTF-8 bytes of `s` (escaped, so any text is safe in a data segment). */
export const watString = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");

export function buildWatPlugin(spec: WatPluginSpec): Uint8Array {
  const tools = JSON.stringify({
    tools: [{ name: spec.tool, description: spec.description ?? `${spec.tool} (test plugin)`, inputSchema: spec.inputSchema ?? { type: "object" } }],
  });
  const result = JSON.stringify(spec.result ?? { content: [{ type: "text", text: `${spec.tool} done` }] });
  const toolsLen = new TextEncoder().encode(tools).length;
  const resultLen = new TextEncoder().encode(result).length;
  const resultAt = 1024 * 16;
  const wat = `(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  ${spec.extra ?? ""}
  (memory (export "memory") ${spec.memoryPages ?? 1})
  (data (i32.const 0) "${watString(tools)}")
  (data (i32.const ${resultAt}) "${watString(result)}")
  (func $emit (param $ptr i32) (param $len i32)
    (call $output_set (call $to_block (local.get $ptr) (local.get $len)) (i64.extend_i32_u (local.get $len))))
  ;; Copies guest memory into a new Extism block (the host only reads blocks).
  (func $to_block (param $ptr i32) (param $len i32) (result i64)
    (local $block i64) (local $i i32)
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $block) (i64.extend_i32_u (local.get $i))) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (local.get $block))
  (func (export "list_tools") (result i32)
    (call $emit (i32.const 0) (i32.const ${toolsLen})) (i32.const 0))
  (func (export "call_tool") (result i32)
    ${spec.body ?? ""}
    (call $emit (i32.const ${resultAt}) (i32.const ${resultLen})) (i32.const 0))
)`;
  const module = wabt.parseWat(`${spec.name}.wat`, wat, { bulk_memory: true });
  module.resolveNames();
  module.validate();
  return new Uint8Array(module.toBinary({}).buffer);
}

/** Writes the plugin folder (manifest.json + plugin.wasm) into `pluginsDir`. */
export function writeWatPlugin(pluginsDir: string, spec: WatPluginSpec): string {
  const dir = join(pluginsDir, spec.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "plugin.wasm"), buildWatPlugin(spec));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ name: spec.name, version: "1.0.0", risk: "LOW", ...spec.manifest }));
  return dir;
}

const SAMPLING_REQUEST = JSON.stringify({ messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 10 });

/** Hostile behaviours, as call_tool bodies. */
export const HOSTILE = {
  spin: { body: "(loop $forever (br $forever))" },
  memoryBomb: {
    // Grow until memory.grow fails, then crash the way a Rust guest aborts on allocation failure.
    body: "(block $full (loop $grow (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1))) (br $grow))) unreachable",
  },
  hostMemoryBomb: {
    // Ask the host for ever more Extism blocks (input/output buffers live on the host side).
    body: "(loop $more (drop (call $alloc (i64.const 1048576))) (br $more))",
  },
  flood: {
    // One 8 MiB output block: bigger than the output limit the tests set.
    body: "(call $output_set (call $alloc (i64.const 8388608)) (i64.const 8388608)) (return (i32.const 0))",
  },
  trap: { body: "unreachable" },
  recurse: { extra: "(func $deep (result i32) (i32.add (call $deep) (i32.const 1)))", body: "(drop (call $deep))" },
  hangInHostCall: {
    // Asks the client for a completion (the test's client never answers).
    extra: `(import "extism:host/user" "create_message" (func $create_message (param i64) (result i64)))
      (data (i32.const 8192) "${watString(SAMPLING_REQUEST)}")`,
    body: `(drop (call $create_message (call $to_block (i32.const 8192) (i32.const ${SAMPLING_REQUEST.length}))))`,
  },
} satisfies Record<string, Partial<WatPluginSpec>>;

const LOG_1 = JSON.stringify({ level: "info", data: "step 1" });
const LOG_2 = JSON.stringify({ level: "info", data: "step 2" });

/** Logs "step 1", asks the gateway to drop the client's connection (SEP-1699), logs "step 2", returns. */
export const CHATTY_RECONNECT: Partial<WatPluginSpec> = {
  extra: `(import "extism:host/user" "notify_logging_message" (func $log (param i64)))
    (import "extism:host/user" "close_sse_stream" (func $close_sse_stream))
    (data (i32.const 8192) "${watString(LOG_1)}")
    (data (i32.const 8448) "${watString(LOG_2)}")`,
  body: `(call $log (call $to_block (i32.const 8192) (i32.const ${LOG_1.length})))
    (call $close_sse_stream)
    (call $log (call $to_block (i32.const 8448) (i32.const ${LOG_2.length})))`,
};
