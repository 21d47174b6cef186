/**
 * A test plugin that shows what `config_get` gives it: tool `show-config` answers with one text
 * `key=value;` per asked key (`<none>` when unset), then `var=<previous value of Extism var "v">;`, and
 * stores its `api_key` value as var "v" — so a test sees both the calling tenant's config and whether
 * variables leak between tenants. The keys are baked in when the plugin is built (WAT cannot parse JSON).
 */
import { watString, type WatPluginSpec } from "./wat-plugin.ts";

const OUT = 32768;
const KEYS_AT = 24576;

export function configPluginSpec(name: string, keys: readonly string[], manifest: Record<string, unknown> = {}): WatPluginSpec {
  const prefix = '{"content":[{"type":"text","text":"';
  const suffix = '"}]}';
  const strings = [prefix, suffix, "<none>", "var", "v", "api_key", ...keys];
  const at: number[] = [];
  let data = "";
  let offset = KEYS_AT;
  for (const s of strings) {
    at.push(offset);
    data += `(data (i32.const ${offset}) "${watString(s)}")\n`;
    offset += new TextEncoder().encode(s).length + 1;
  }
  const len = (i: number) => new TextEncoder().encode(strings[i]!).length;
  const str = (i: number) => `(i32.const ${at[i]}) (i32.const ${len(i)})`;
  const shows = keys.map((_, k) => `(call $show ${str(6 + k)})`).join("\n    ");
  return {
    name,
    tool: "show-config",
    memoryPages: 2,
    manifest: { limits: { maxConcurrent: 1 }, ...manifest },
    extra: `(import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  ${data}
  (global $pos (mut i32) (i32.const 0))
  (func $put (param $b i32)
    (i32.store8 (i32.add (i32.const ${OUT}) (global.get $pos)) (local.get $b))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1))))
  (func $put_mem (param $ptr i32) (param $len i32) (local $i i32)
    (block $done (loop $l (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $put (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l))))
  (func $put_block (param $h i64) (local $i i64) (local $n i64)
    (if (i64.eqz (local.get $h)) (then (call $put_mem ${str(2)}) (return)))
    (local.set $n (call $length (local.get $h)))
    (block $done (loop $l (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (call $put (call $load_u8 (i64.add (local.get $h) (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1))) (br $l))))
  (func $show (param $ptr i32) (param $len i32)
    (call $put_mem (local.get $ptr) (local.get $len))
    (call $put (i32.const 61))
    (call $put_block (call $config_get (call $to_block (local.get $ptr) (local.get $len))))
    (call $put (i32.const 59)))`,
    body: `(local $secret i64)
    (global.set $pos (i32.const 0))
    (call $put_mem ${str(0)})
    ${shows}
    (call $put_mem ${str(3)}) (call $put (i32.const 61))
    (call $put_block (call $var_get (call $to_block ${str(4)})))
    (call $put (i32.const 59))
    (local.set $secret (call $config_get (call $to_block ${str(5)})))
    (if (i64.ne (local.get $secret) (i64.const 0))
      (then (call $var_set (call $to_block ${str(4)}) (local.get $secret))))
    (call $put_mem ${str(1)})
    (call $emit (i32.const ${OUT}) (global.get $pos))
    (return (i32.const 0))`,
  };
}

/** Parses the `show-config` text back into key -> value (undefined for `<none>`). */
export function parseShown(text: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const part of text.split(";")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const value = part.slice(eq + 1);
    out.set(part.slice(0, eq), value === "<none>" ? undefined : value);
  }
  return out;
}
