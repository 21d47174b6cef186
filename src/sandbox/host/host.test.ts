/**
 * Our Extism host through SandboxInstance: input/output, errors, config, vars, logs, limits, fuel and
 * JSPI, user host functions. HTTP and WASI have files of their own.
 */
import { describe, expect, test } from "bun:test";
import { SandboxError } from "../errors.ts";
import type { HostContext } from "./context.ts";
import { callState, failure, guest, watString } from "./testkit.ts";

const ECHO = `(func (export "echo") (result i32) (call $out (call $input_block)) (i32.const 0))`;

describe("input and output", () => {
  test("a guest echoes its input byte for byte, text or binary, call after call", async () => {
    const { call, instance } = await guest(ECHO);
    expect(await call("echo", "héllo ✓")).toBe("héllo ✓");
    expect(await call("echo", "")).toBe(""); // an empty output block: empty output, not none
    const { output } = await instance.call("echo", new Uint8Array([0, 255, 7]), callState());
    expect(Array.from(output!)).toEqual([0, 255, 7]);
    expect(await call("echo", "x".repeat(100_000))).toBe("x".repeat(100_000));
  });

  test("no output_set means a null output", async () => {
    const { call } = await guest(`(func (export "quiet") (result i32) (i32.const 0))`);
    expect(await call("quiet", "ignored")).toBeNull();
  });

  test("error_set fails the call with the plugin's message; the instance keeps working", async () => {
    const msg = "no such tool: frobnicate";
    const { call } = await guest(`
      (data (i32.const 0) "${watString(msg)}")
      (func (export "fail") (result i32) (call $error_set (call $to_block (i32.const 0) (i32.const ${msg.length}))) (i32.const 1))
      ${ECHO}`);
    const err = await failure(call("fail"));
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).toMatchObject({ failure: "plugin_error", message: msg });
    expect(await call("echo", "still fine")).toBe("still fine");
  });

  test("an output over maxOutputBytes is output_too_large", async () => {
    const { call } = await guest(`(func (export "big") (result i32) (call $out (call $alloc (i64.const 2000))) (i32.const 0))`, {
      maxOutputBytes: 1000,
    });
    expect(await failure(call("big"))).toMatchObject({
      failure: "output_too_large",
      message: "the plugin returned 2000 bytes, more than its limit of 1000 bytes",
    });
  });

  test("a trap after error_set (a Rust panic) is a crash that carries the message", async () => {
    const msg = "plugin panicked: oops";
    const { call } = await guest(`
      (data (i32.const 0) "${watString(msg)}")
      (func (export "panic") (result i32) (call $error_set (call $to_block (i32.const 0) (i32.const ${msg.length}))) unreachable)`);
    const err = await failure(call("panic"));
    expect(err.failure).toBe("trap");
    expect(err.message).toContain("the plugin crashed");
    expect(err.message).toContain(msg);
  });

  test("a bad handle is a crash naming it", async () => {
    const { call } = await guest(`(func (export "bad") (result i32) (drop (call $load_u8 (i64.const 0xdead0000))) (i32.const 0))`);
    expect((await failure(call("bad"))).message).toBe("the plugin crashed: it read outside its Extism blocks (handle 0xdead0000)");
  });
});

describe("config, vars and logs", () => {
  const KEYS = `(data (i32.const 0) "greeting") (data (i32.const 16) "missing")`;

  test("config_get returns the manifest's value, or 0 for an unknown key", async () => {
    const { call } = await guest(
      `${KEYS}
      (func (export "get") (result i32) (call $out (call $config_get (call $to_block (i32.const 0) (i32.const 8)))) (i32.const 0))
      (func (export "missing") (result i32)
        (call $out (call $u64_block (call $config_get (call $to_block (i32.const 16) (i32.const 7))))) (i32.const 0))`,
      { config: { greeting: "hello ✓" } },
    );
    expect(await call("get")).toBe("hello ✓");
    expect(await call("missing")).toBe("\0".repeat(8));
  });

  test("vars persist across calls of one instance; var_set with 0 deletes", async () => {
    // remember: outputs the previous value of var "v" (if any), then stores the input as "v" ("-" deletes it).
    const { call } = await guest(`
      (data (i32.const 0) "v")
      (func (export "remember") (result i32) (local $in i64)
        (call $out (call $var_get (call $to_block (i32.const 0) (i32.const 1))))
        (local.set $in (call $input_block))
        (if (i32.eq (call $load_u8 (local.get $in)) (i32.const 45))
          (then (call $var_set (call $to_block (i32.const 0) (i32.const 1)) (i64.const 0)))
          (else (call $var_set (call $to_block (i32.const 0) (i32.const 1)) (local.get $in))))
        (i32.const 0))`);
    expect(await call("remember", "first")).toBeNull();
    expect(await call("remember", "second")).toBe("first");
    expect(await call("remember", "-")).toBe("second");
    expect(await call("remember", "again")).toBeNull();
  });

  test("config_get gives the calling tenant's values over the manifest's; own keys only", async () => {
    const { call } = await guest(
      `(data (i32.const 0) "greeting") (data (i32.const 16) "__proto__")
      (func (export "get") (result i32) (call $out (call $config_get (call $to_block (i32.const 0) (i32.const 8)))) (i32.const 0))
      (func (export "proto") (result i32)
        (call $out (call $u64_block (call $config_get (call $to_block (i32.const 16) (i32.const 9))))) (i32.const 0))`,
      { config: { greeting: "manifest" } },
    );
    expect(await call("get", "", { config: { greeting: "acme's" }, tenant: "acme" })).toBe("acme's");
    expect(await call("get", "", { config: { other: "x" }, tenant: "globex" })).toBe("manifest");
    expect(await call("get")).toBe("manifest");
    expect(await call("proto", "", { config: { greeting: "acme's" }, tenant: "acme" })).toBe("\0".repeat(8));
  });

  test("vars are kept per tenant: one instance serving two tenants never hands one's variables to the other", async () => {
    const { call } = await guest(`
      (data (i32.const 0) "v")
      (func (export "remember") (result i32)
        (call $out (call $var_get (call $to_block (i32.const 0) (i32.const 1))))
        (call $var_set (call $to_block (i32.const 0) (i32.const 1)) (call $input_block))
        (i32.const 0))`);
    expect(await call("remember", "acme-1", { tenant: "acme" })).toBeNull();
    expect(await call("remember", "globex-1", { tenant: "globex" })).toBeNull();
    expect(await call("remember", "acme-2", { tenant: "acme" })).toBe("acme-1");
    expect(await call("remember", "none-1")).toBeNull(); // no tenant (e.g. describing the plugin at load)
    expect(await call("remember", "globex-2", { tenant: "globex" })).toBe("globex-1");
  });

  test("vars are capped by the memory limit", async () => {
    const { call } = await guest(
      `(data (i32.const 0) "v")
      (func (export "hoard") (result i32)
        (call $var_set (call $to_block (i32.const 0) (i32.const 1)) (call $alloc (i64.const 1000))) (i32.const 0))`,
      { maxGuestBytes: 500 },
    );
    expect(await failure(call("hoard", "", { maxHostBytes: 1 << 20 }))).toMatchObject({
      failure: "memory",
      message: "the plugin tried to keep 1000 bytes of variables, more than its 0 MB memory limit",
    });
  });

  test("log_* reach the logger from info up; get_log_level says info (2)", async () => {
    const { call, logs } = await guest(`
      (data (i32.const 0) "shown") (data (i32.const 8) "hidden")
      (func (export "log") (result i32)
        (call $log_info (call $to_block (i32.const 0) (i32.const 5)))
        (call $log_debug (call $to_block (i32.const 8) (i32.const 6)))
        (call $out (call $u64_block (i64.extend_i32_u (call $get_log_level)))) (i32.const 0))`);
    expect(await call("log")).toBe("\x02" + "\0".repeat(7));
    expect(logs).toEqual([{ level: "info", text: "shown" }]);
  });
});

describe("limits, fuel and JSPI", () => {
  const BOMB = `(func (export "bomb") (result i32) (loop $more (drop (call $alloc (i64.const 1048576))) (br $more)) (i32.const 0))`;

  test("host blocks past the memory limit fail the call with a memory error", async () => {
    const { call } = await guest(BOMB);
    const err = await failure(call("bomb", "", { maxHostBytes: 4 << 20 }));
    expect(err.failure).toBe("memory");
    expect(err.message).toMatch(/^the plugin tried to hold \d+ bytes of host buffers, more than its 4 MB memory limit$/);
  });

  test("a spinning guest stops at its deadline, and the event loop runs meanwhile (JSPI yields)", async () => {
    const { instance } = await guest(`(func (export "spin") (result i32) (loop $forever (br $forever)) (i32.const 0))`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const err = await failure(instance.call("spin", "", callState({ timeoutMs: 150, limitMs: 150 })));
    clearInterval(timer);
    expect(err).toMatchObject({ failure: "timeout", message: "the plugin did not finish within its 150 ms limit" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(ticks).toBeGreaterThan(2); // without yields, none could fire before the call ends
  });

  test("a fuel budget stops a guest and its fuel is counted", async () => {
    const { instance } = await guest(`(func (export "spin") (result i32) (loop $forever (br $forever)) (i32.const 0))`);
    const state = callState({ fuelBudget: 250_000 });
    expect(await failure(instance.call("spin", "", state))).toMatchObject({ failure: "fuel_exhausted" });
    expect(state.fuelUsed).toBe(250_000);
  });
});

describe("user host functions (extism:host/user)", () => {
  const IMPORTS = `
    (import "extism:host/user" "shout" (func $shout (param i64) (result i64)))
    (import "extism:host/user" "later" (func $later (param i64) (result i64)))`;
  const BODY = `
    (func (export "shout") (result i32) (call $out (call $shout (call $input_block))) (i32.const 0))
    (func (export "later") (result i32) (call $out (call $later (call $input_block))) (i32.const 0))`;

  test("sync and async (suspending) functions read a block, store an answer, and see the call's state", async () => {
    const seen: unknown[] = [];
    const hostFunctions = {
      "extism:host/user": {
        shout: (ctx: HostContext, h: bigint) => {
          seen.push(ctx.state?.bridge);
          return ctx.store(ctx.text(h)!.toUpperCase());
        },
        later: async (ctx: HostContext, h: bigint) => {
          const text = ctx.text(h)!;
          await new Promise((resolve) => setTimeout(resolve, 10)); // the guest is suspended meanwhile
          return ctx.store(new TextEncoder().encode(`${text} (later)`));
        },
      },
    };
    const { instance } = await guest(BODY, { imports: IMPORTS, hostFunctions });
    const run = async (fn: string, input: string) =>
      new TextDecoder().decode((await instance.call(fn, input, callState({ bridge: "the bridge" }))).output!);
    expect(await run("shout", "hey")).toBe("HEY");
    expect(seen).toEqual(["the bridge"]);
    expect(await run("later", "done")).toBe("done (later)");
  });

  test("a module importing something we do not provide fails to load, saying what", async () => {
    const err = await failure(guest(`(func (export "x") (result i32) (i32.const 0))`, { imports: `(import "env" "mystery" (func))` }));
    expect(err.message).toBe('the plugin imports function "env" "mystery", which mcp-sidecar does not provide');
  });
});
