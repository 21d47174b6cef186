// The decoder must agree with an independent one (wabt) on every opcode, and
// every input it cannot handle must fail with a clear InstrumentError.
import { describe, expect, test } from "bun:test";
import wabtInit from "wabt";
import { instrumentModule, InstrumentError } from "./index.ts";
import { decodeInstr, Instr } from "./instr.ts";
import { ByteReader } from "./reader.ts";
import { fixture, rawModule, uleb, watToWasm } from "./testkit.ts";
import { ByteWriter } from "./writer.ts";

const opts = { maxMemoryPages: 16 };
const fail = (bytes: Uint8Array, o = opts) => {
  try {
    instrumentModule(bytes, o);
  } catch (e) {
    expect(e).toBeInstanceOf(InstrumentError);
    return (e as Error).message;
  }
  throw new Error("expected an InstrumentError");
};

describe("LEB128", () => {
  test("u32 round trip at the edges", () => {
    for (const v of [0, 1, 63, 64, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) {
      const w = new ByteWriter();
      w.u32(v);
      expect(new ByteReader(w.finish()).u32()).toBe(v);
    }
  });
  test("s64 encodes negatives minimally", () => {
    const enc = (v: number) => { const w = new ByteWriter(); w.s64(v); return [...w.finish()]; };
    expect(enc(0)).toEqual([0]);
    expect(enc(-1)).toEqual([0x7f]);
    expect(enc(63)).toEqual([0x3f]);
    expect(enc(64)).toEqual([0xc0, 0x00]);
    expect(enc(-129)).toEqual([0xff, 0x7e]);
  });
  test("overlong and oversized u32 are rejected", () => {
    expect(() => new ByteReader(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)).u32()).toThrow(/malformed u32/);
    expect(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f)).u32()).toThrow(/malformed u32/);
    expect(() => new ByteReader(Uint8Array.of(0x80)).u32()).toThrow(/unexpected end/);
  });
  test("sized regions shrink their placeholder to the minimal length", () => {
    const w = new ByteWriter();
    const mark = w.beginSized();
    for (let i = 0; i < 200; i++) w.u8(i);
    w.endSized(mark);
    const out = w.finish();
    expect(out.length).toBe(202);
    expect([out[0], out[1], out[2]]).toEqual([0xc8, 0x01, 0]);
  });
});

describe("every opcode: same verdict and immediate length as wabt", async () => {
  const wabt = await wabtInit();
  const features = { exceptions: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true,
    simd: true, threads: true, function_references: true, multi_value: true, tail_call: true, bulk_memory: true,
    reference_types: true, extended_const: true, relaxed_simd: true };
  // One function whose body is: opcode, zeroed immediates (as long as OUR decoder thinks), nop, end.
  // If wabt reads the immediates differently, the nop is eaten or zero bytes show up as extra instructions.
  const probe = (body: number[]) => rawModule(
    [1, [1, 0x60, 0, 0]], [3, [1, 0]], [4, [1, 0x70, 0, 1]], [5, [1, 0, 1]], [6, [1, 0x7f, 1, 0x41, 0, 0x0b]],
    [12, [1]], [10, [1, ...uleb(body.length + 1), 0, ...body]], [11, [1, 1, 0]]);
  const wabtSees = (body: number[]): string[] => {
    const m = wabt.readWasm(probe(body), { check: false, readDebugNames: false, ...features });
    try {
      const lines = m.toText({}).split("\n").map((l) => l.trim().replace(/\)+$/, ""));
      return lines.slice(lines.findIndex((l) => l.startsWith("(func")) + 1).filter((l) => l && !l.startsWith("("));
    } finally {
      m.destroy();
    }
  };
  const limits = { numFuncs: 1, numGlobals: 1, numTypes: 1 };
  const structured = new Set([0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x18, 0x19, 0x1f]); // covered by fixtures
  // Function-references/GC opcodes that wabt 1.0.39 cannot decode; checked against Bun's validator instead.
  const wabtLacks = new Set(["15", "d0", "d3", "d4", "d5", "d6"]);
  const opcodes: number[][] = [];
  for (let op = 0; op < 256; op++) if (!structured.has(op) && op < 0xfc) opcodes.push([op]);
  for (const p of [0xfc, 0xfd, 0xfe]) for (let s = 0; s < 0x120; s++) opcodes.push([p, ...uleb(s)]);

  test(`${opcodes.length} opcodes`, () => {
    const disagreements: string[] = [];
    for (const op of opcodes) {
      const name = op.map((b) => b.toString(16)).join(" ");
      if (wabtLacks.has(name)) continue;
      let immLen = -1;
      try {
        const r = new ByteReader(Uint8Array.from([...op, ...new Array(40).fill(0)]));
        decodeInstr(r, limits, new Instr());
        immLen = r.pos - op.length;
      } catch (e) {
        if (!(e instanceof InstrumentError)) throw e;
      }
      const seen = wabtSees([...op, ...new Array(Math.max(immLen, 0)).fill(0), 0x01, 0x0b]);
      const wabtAccepts = seen.length > 0;
      const sameLength = seen.length === 2 && seen[1] === "nop";
      if ((immLen >= 0) !== wabtAccepts || (wabtAccepts && !sameLength)) {
        disagreements.push(`${name}: ours ${immLen < 0 ? "unknown" : `${immLen} immediate bytes`}, wabt ${seen.join("; ")}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  test("function-references opcodes wabt lacks are encoded as Bun validates them", () => {
    const mod = (body: number[]) => rawModule([1, [1, 0x60, 1, 0x70, 0]], [3, [1, 0]],
      [10, [1, ...uleb(body.length + 1), 0, ...body]]);
    for (const body of [
      [0x20, 0, 0xd4, 0x1a, 0x0b], // ref.as_non_null
      [0x02, 0x40, 0x20, 0, 0xd5, 0, 0x1a, 0x0b, 0x0b], // br_on_null
      [0x02, 0x40, 0x20, 0, 0xd6, 0, 0x0b, 0x0b], // br_on_non_null
      [0xd0, 0x70, 0x1a, 0x0b], // ref.null func
    ]) {
      const original = mod(body);
      expect(WebAssembly.validate(original)).toBe(true);
      expect(WebAssembly.validate(instrumentModule(original, opts).bytes)).toBe(true);
    }
  });
});

describe("clear errors, never a broken module", () => {
  test("garbage", () => {
    expect(fail(new TextEncoder().encode("#!/bin/sh\necho not wasm\n"))).toMatch(/not a WebAssembly module/);
    expect(fail(new Uint8Array(0))).toMatch(/not a WebAssembly module/);
  });

  test("truncated module", async () => {
    const whole = await fixture("loops");
    for (const cut of [9, 20, whole.length >> 1, whole.length - 1]) {
      expect(fail(whole.subarray(0, cut))).toMatch(/runs past the end|unexpected end|malformed/);
    }
  });

  test("unknown opcode, with its offset", () => {
    const bad = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 4, 0, 0x01, 0xff, 0x0b]]);
    expect(fail(bad)).toBe("unknown opcode 0xff (at byte offset 0x18)");
    const simdHole = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 5, 0, 0xfd, 0x9a, 0x01, 0x0b]]);
    expect(fail(simdHole)).toMatch(/unknown opcode 0xfd 154/);
    const gc = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 4, 0, 0xfb, 0x00, 0x0b]]);
    expect(fail(gc)).toMatch(/GC instructions/);
  });

  test("a component, not a core module", () => {
    expect(fail(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00))).toMatch(/component/);
  });

  test("out-of-range global index (would reach the fuel counter after the rewrite)", () => {
    // global.set 0 with no globals: invalid, and after rewriting it would write the fuel counter
    const tamper = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 6, 0, 0x42, 0, 0x24, 0, 0x0b]]);
    expect(fail(tamper)).toMatch(/global index 0 out of range/);
  });

  test("out-of-range function index", () => {
    const bad = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 4, 0, 0x10, 5, 0x0b]]);
    expect(fail(bad)).toMatch(/function index 5 out of range/);
  });

  test("body count mismatch, sections out of order, body without end", () => {
    expect(fail(rawModule([1, [1, 0x60, 0, 0]], [3, [2, 0, 0]], [10, [1, 2, 0, 0x0b]])))
      .toMatch(/code section has 1 bodies but the function section declares 2/);
    expect(fail(rawModule([3, [0]], [1, [0]]))).toMatch(/type section is duplicated or out of order/);
    expect(fail(rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 2, 0, 0x01]]))).toMatch(/without a final 'end'/);
  });

  test("names reserved for metering", async () => {
    const exportsIt = await watToWasm('(module (global (export "__mcp_fuel") i32 (i32.const 0)))');
    expect(fail(exportsIt)).toMatch(/already exports "__mcp_fuel"/);
  });

  test("bad options", async () => {
    const m = await fixture("loops");
    expect(fail(m, { maxMemoryPages: -1 })).toMatch(/maxMemoryPages/);
    expect(fail(m, { maxMemoryPages: 1.5 })).toMatch(/maxMemoryPages/);
    expect(() => instrumentModule(m, { maxMemoryPages: 1, maxStraightLineCost: 0 })).toThrow(/maxStraightLineCost/);
  });
});
