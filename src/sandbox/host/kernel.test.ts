/**
 * The block-store kernel, driven from JS through the same exports a guest links to.
 */
import { describe, expect, test } from "bun:test";
import { compileKernelWat } from "./build-kernel.ts";
import { Kernel } from "./kernel.ts";
import { KERNEL_WASM_BASE64 } from "./kernel-wasm.ts";

class Oom extends Error {
  constructor(readonly held: number) {
    super(`oom ${held}`);
  }
}
class Fault extends Error {
  constructor(readonly kind: number, readonly handle: bigint) {
    super(`fault ${kind} ${handle}`);
  }
}

function kernel(input: string | Uint8Array = "", limit = 1 << 20) {
  const k = new Kernel({
    oom: (held) => {
      throw new Oom(held);
    },
    fault: (kind, handle) => {
      throw new Fault(kind, handle);
    },
    refuel: () => 1000,
    refuelAfterYield: async () => 1000,
  });
  k.begin(input, limit);
  // The guest's view: i64 handles as bigint.
  const env = k.env as Record<string, (...args: any[]) => any>;
  return { k, env };
}

const faultOf = (f: () => unknown): Fault => {
  try {
    f();
  } catch (err) {
    if (err instanceof Fault) return err;
    throw err;
  }
  throw new Error("no fault");
};

describe("block store kernel", () => {
  test("the embedded bytes are kernel.wat compiled (run build-kernel.ts after editing the WAT)", async () => {
    expect(Buffer.from(await compileKernelWat()).toString("base64")).toBe(KERNEL_WASM_BASE64);
  });

  test("alloc hands out distinct, zeroed blocks of the asked length; 0 is never a handle", () => {
    const { env, k } = kernel();
    const a = env.alloc!(10n);
    const b = env.alloc!(3n);
    const empty = env.alloc!(0n);
    expect(a).not.toBe(0n);
    expect(new Set([a, b, empty]).size).toBe(3);
    expect([env.length!(a), env.length!(b), env.length!(empty), env.length_unsafe!(a)]).toEqual([10n, 3n, 0n, 10n]);
    expect(k.length(empty)).toBe(0); // a live block, though empty (not -1)
    env.output_set!(empty, 0n);
    expect(k.output()).toEqual(new Uint8Array(0));
    for (let i = 0n; i < 10n; i++) expect(env.load_u8!(a + i)).toBe(0);
  });

  test("stores and loads bytes and little-endian u64 words", () => {
    const { env, k } = kernel();
    const h = env.alloc!(12n);
    env.store_u64!(h, 0x0807060504030201n);
    env.store_u8!(h + 8n, 0xff);
    expect(env.load_u64!(h)).toBe(0x0807060504030201n);
    expect(env.load_u8!(h)).toBe(1);
    expect(env.load_u8!(h + 8n)).toBe(0xff);
    expect(Array.from(k.bytes(h)!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0, 0, 0]);
  });

  test("a guest cannot reach outside the call's blocks", () => {
    const { env } = kernel();
    const h = env.alloc!(8n);
    expect(faultOf(() => env.load_u64!(h + 1n)).kind).toBe(0);
    expect(faultOf(() => env.load_u8!(0n)).kind).toBe(0);
    expect(faultOf(() => env.store_u64!(h + 8n, 1n)).kind).toBe(1);
    expect(faultOf(() => env.store_u8!(2n ** 63n, 1)).kind).toBe(1);
    expect(faultOf(() => env.load_u64!(2n ** 64n - 4n)).kind).toBe(0);
  });

  test("length is 0 for anything that is not a live block", () => {
    const { env } = kernel();
    const h = env.alloc!(16n);
    expect([env.length!(0n), env.length!(h + 8n), env.length!(h + 1n), env.length!(2n ** 40n)]).toEqual([0n, 0n, 0n, 0n]);
  });

  test("free invalidates a block, reuses the last one's space, and tolerates repeats", () => {
    const { env } = kernel();
    const a = env.alloc!(5n);
    const b = env.alloc!(5n);
    env.free!(b);
    expect(env.length!(b)).toBe(0n);
    env.free!(b); // twice: nothing happens (the SDK's log_* free a block the PDK frees again)
    env.free!(0n);
    const c = env.alloc!(5n);
    expect(c).toBe(b); // the space of the last block is reused...
    env.free!(a);
    expect(env.alloc!(5n)).not.toBe(a); // ...a block in the middle is not
  });

  test("a reused block is zeroed, also across calls", () => {
    const { env, k } = kernel();
    const a = env.alloc!(16n);
    env.store_u64!(a, -1n & 0xffffffffffffffffn);
    env.free!(a);
    expect(env.load_u64!(env.alloc!(16n))).toBe(0n);
    k.begin("x", 1 << 20);
    const b = env.alloc!(64n);
    for (let i = 0n; i < 64n; i += 8n) expect(env.load_u64!(b + i)).toBe(0n);
  });

  test("input: length, bytes and words; UTF-8 and binary inputs; nothing past its end", () => {
    const { env, k } = kernel("héllo, wörld");
    const bytes = new TextEncoder().encode("héllo, wörld");
    expect(env.input_length!()).toBe(BigInt(bytes.length));
    expect(env.input_load_u8!(1n)).toBe(bytes[1]);
    expect(env.input_load_u64!(0n)).toBe(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(faultOf(() => env.input_load_u64!(BigInt(bytes.length - 7))).kind).toBe(4);
    expect(faultOf(() => env.input_load_u8!(BigInt(bytes.length))).kind).toBe(4);
    expect(k.text(env.input_offset!())).toBe("héllo, wörld");
    k.begin(new Uint8Array([9, 8, 7]), 1 << 20);
    expect([env.input_length!(), env.input_load_u8!(2n)]).toEqual([3n, 7]);
    expect(faultOf(() => env.input_load_u64!(0n)).kind).toBe(4);
  });

  test("a big non-ASCII input grows the memory and arrives intact", () => {
    const text = "€".repeat(100_000); // 300,000 bytes, 3 per character
    const { env, k } = kernel(text);
    expect(env.input_length!()).toBe(300_000n);
    expect(k.text(16n)).toBe(text);
  });

  test("output and error: set, cleared with 0, copied out; bad handles fault", () => {
    const { env, k } = kernel();
    expect(k.output()).toBeNull();
    const h = k.store("result!");
    env.output_set!(BigInt(h), 6n);
    expect(new TextDecoder().decode(k.output()!)).toBe("result");
    expect(k.outputLength()).toBe(6);
    expect(faultOf(() => env.output_set!(BigInt(h), 8n)).kind).toBe(2);
    expect(faultOf(() => env.output_set!(BigInt(h) + 8n, 0n)).kind).toBe(2);
    env.error_set!(BigInt(k.store("it broke")));
    expect(k.error()).toBe("it broke");
    env.error_set!(0n);
    expect(k.error()).toBeNull();
    expect(faultOf(() => env.error_set!(12345n)).kind).toBe(3);
    k.begin("", 1 << 20);
    expect([k.output(), k.error()]).toEqual([null, null]);
  });

  test("output as text: decoded in place, only the bytes output_set named; invalid UTF-8 becomes U+FFFD as before", () => {
    const { env, k } = kernel();
    expect(k.outputText()).toBeNull();
    const h = k.store("grüße €uro + tail");
    env.output_set!(BigInt(h), BigInt(Buffer.byteLength("grüße €uro")));
    expect(k.outputText()).toBe("grüße €uro");
    expect(k.outputText()).toBe(new TextDecoder().decode(k.output()!));
    const bad = env.alloc!(3n);
    env.store_u8!(bad, 0x61);
    env.store_u8!(bad + 1n, 0xff);
    env.store_u8!(bad + 2n, 0x62);
    env.output_set!(bad, 3n);
    expect(k.outputText()).toBe("a\uFFFDb");
    k.begin("", 1 << 20);
    expect(k.outputText()).toBeNull();
  });

  test("blocks are held against the call's limit, input excluded; freeing gives room back", () => {
    const { env, k } = kernel("x".repeat(5000), 1000);
    const a = env.alloc!(500n);
    expect(k.held()).toBe(8 + 504);
    let err: unknown;
    try {
      env.alloc!(500n);
    } catch (e) {
      err = e;
    }
    expect((err as Oom).held).toBe(8 + 504 + 8 + 500);
    env.free!(a);
    expect(env.alloc!(900n)).toBe(a);
    expect(() => env.alloc!(2n ** 63n)).toThrow(Oom);
    expect(() => k.store(new Uint8Array(2000))).toThrow(Oom);
  });

  test("blocks larger than the memory grow it", () => {
    const { env, k } = kernel("", 16 << 20);
    const h = env.alloc!(5_000_000n);
    env.store_u64!(h + 4_999_992n, 42n);
    expect(env.load_u64!(h + 4_999_992n)).toBe(42n);
    expect(k.length(h)).toBe(5_000_000);
  });
});
