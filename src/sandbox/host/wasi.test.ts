/**
 * The minimal WASI: a guest importing wasi_snapshot_preview1 loads and gets a closed world.
 */
import { describe, expect, test } from "bun:test";
import { failure, guest } from "./testkit.ts";

const IMPORTS = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))`;

/** Each export outputs one u64 (an errno, a count, a time...) so the test can look at it. */
const BODY = `
  (data (i32.const 64) "hello\\n")
  (func $u64 (param $v i64) (result i32) (call $out (call $u64_block (local.get $v))) (i32.const 0))
  (func (export "write") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 6))  ;; one iovec: "hello\\n"
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $u64 (i64.load32_u (i32.const 8))))
  (func (export "write_file") (result i32)
    (call $u64 (i64.extend_i32_u (call $fd_write (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8)))))
  (func (export "random") (result i32)
    (drop (call $random_get (i32.const 0) (i32.const 8))) (call $u64 (i64.load (i32.const 0))))
  (func (export "clock") (result i32)
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 0))) (call $u64 (i64.load (i32.const 0))))
  (func (export "environ") (result i32)
    (i64.store (i32.const 0) (i64.const -1))
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4))) (call $u64 (i64.load (i32.const 0))))
  (func (export "preopens") (result i32)
    (call $u64 (i64.extend_i32_u (call $fd_prestat_get (i32.const 3) (i32.const 0)))))
  (func (export "open") (result i32)
    (call $u64 (i64.extend_i32_u
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))))
  (func (export "exit") (result i32) (call $proc_exit (i32.const 3)) (i32.const 0))`;


describe("minimal WASI", () => {
  test("stdout is accepted (and discarded), files are not there, the environment is empty", async () => {
    const { call, callU64 } = await guest(BODY, { imports: IMPORTS });
    expect(await callU64("write")).toBe(6n);
    expect(await callU64("write_file")).toBe(8n); // EBADF
    expect(await callU64("environ")).toBe(0n);
    expect(await callU64("preopens")).toBe(8n); // EBADF: no preopened directory
    expect(await callU64("open")).toBe(52n); // ENOSYS
  });

  test("clock and random work", async () => {
    const { call, callU64 } = await guest(BODY, { imports: IMPORTS });
    const now = BigInt(Date.now()) * 1_000_000n;
    const t = await callU64("clock");
    expect(t > now - 10_000_000_000n && t < now + 10_000_000_000n).toBe(true);
    expect(await callU64("random")).not.toBe(await callU64("random"));
  });

  test("proc_exit ends the call as a crash with the exit code", async () => {
    const { call, callU64 } = await guest(BODY, { imports: IMPORTS });
    expect((await failure(call("exit"))).message).toBe("the plugin crashed: the plugin exited with code 3");
  });
});
