/**
 * Test guests for the host: a WAT module importing every `extism:host/env` function, with helpers to move
 * bytes between guest memory, blocks and the input, and exports written per test. Run through the real
 * path: compilePlugin (instrumented) + SandboxInstance.
 */
import { CallState, type CallStateOptions } from "../call-state.ts";
import { compilePlugin } from "../compile.ts";
import { watToWasm } from "../instrument/testkit.ts";
import { SandboxInstance, type HostFunctions, type InstanceOptions } from "../instance.ts";

export const watString = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");

const ENV = `
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (import "extism:host/env" "http_status_code" (func $http_status_code (result i32)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))`;

/** Helpers every test guest has. Guest memory from 0x10000 up is scratch space for the input. */
const HELPERS = `
  ;; Copies guest memory into a new block.
  (func $to_block (param $ptr i32) (param $len i32) (result i64)
    (local $block i64) (local $i i32)
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $block) (i64.extend_i32_u (local.get $i))) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (local.get $block))
  ;; The input as a new block.
  (func $input_block (result i64)
    (local $i i32) (local $len i32)
    (local.set $len (i32.wrap_i64 (call $input_length)))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.add (i32.const 0x10000) (local.get $i)) (call $input_load_u8 (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (call $to_block (i32.const 0x10000) (local.get $len)))
  ;; Sets block h (0 = none) as the whole output.
  (func $out (param $h i64)
    (if (i64.ne (local.get $h) (i64.const 0)) (then (call $output_set (local.get $h) (call $length (local.get $h))))))
  ;; A block holding one little-endian u64.
  (func $u64_block (param $v i64) (result i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (local.get $h))`;

/** Compiles a test guest: `body` holds its exports (and any extra imports or data). */
export async function guestModule(body: string, imports = "") {
  const wat = `(module ${ENV} ${imports} (memory (export "memory") 4) ${HELPERS} ${body})`;
  return compilePlugin(await watToWasm(wat), 256);
}

export interface Logged {
  level: string;
  text: string;
}

/** A SandboxInstance of a test guest, with a logger that records, and a call helper. */
export async function guest(body: string, opts: Partial<InstanceOptions> & { imports?: string } = {}) {
  const compiled = await guestModule(body, opts.imports);
  const logs: Logged[] = [];
  const record = (level: string) => (text: string) => void logs.push({ level, text });
  const logger = { info: record("info"), debug: record("debug"), warn: record("warn"), error: record("error"), trace: record("trace") };
  const instance = await SandboxInstance.create(compiled, {
    pluginName: "test",
    maxGuestBytes: 16 << 20,
    maxOutputBytes: 1 << 20,
    config: {},
    allowedHosts: [],
    hostFunctions: {} as HostFunctions,
    logger: logger as unknown as Console,
    ...opts,
  });
  const call = async (fn: string, input: string | Uint8Array = "", state: Partial<CallStateOptions> = {}) => {
    const { output } = await instance.call(fn, input, callState(state));
    return output === null ? null : new TextDecoder().decode(output);
  };
  /** For exports that output one u64 (see $u64_block). */
  const callU64 = async (fn: string, input: string | Uint8Array = "") => {
    const { output } = await instance.call(fn, input, callState());
    return new DataView(output!.buffer, output!.byteOffset, 8).getBigUint64(0, true);
  };
  return { instance, call, callU64, logs };
}

export const callState = (opts: Partial<CallStateOptions> = {}) =>
  new CallState({ timeoutMs: 5_000, limitMs: 5_000, maxHostBytes: 16 << 20, fuelBudget: null, ...opts });

/** What a call threw (it must throw). A call that finished without suspending returns its outcome as a value. */
export async function failure(p: unknown): Promise<{ failure: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { failure: string; message: string };
  }
  throw new Error("the call did not fail");
}
