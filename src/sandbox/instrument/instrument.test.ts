// Instrumented fixtures must stay valid and compute exactly what the originals
// compute: the rewrite may add metering, never change behaviour.
import { describe, expect, test } from "bun:test";
import { instrumentModule, type InstrumentResult } from "./index.ts";
import { fixture, instantiate, MeteringHost, rawModule, sectionList, wasmValidateCli, watToWasm } from "./testkit.ts";

const FIXTURES = ["infinite_loop", "memory_bomb", "recursion", "loops", "indirect", "imports", "simd_bulk",
  "multi_value", "catch_all_loop"];

type Fns = Record<string, (...args: unknown[]) => unknown>;

function instrument(bytes: Uint8Array, maxMemoryPages = 64): InstrumentResult {
  return instrumentModule(bytes, { maxMemoryPages });
}

/** Original and instrumented instances of one fixture, with a generous fuel host on the latter. */
async function pair(name: string, extraImports: (log: number[]) => WebAssembly.Imports = () => ({})) {
  const original = await fixture(name);
  const { bytes } = instrument(original);
  const logA: number[] = [];
  const logB: number[] = [];
  const host = new MeteringHost(10_000n);
  const a = instantiate(original, extraImports(logA));
  const b = instantiate(bytes, { ...extraImports(logB), ...host.imports() });
  host.attach(b);
  host.begin(1_000n);
  return { a: a.exports as unknown as Fns, b: b.exports as unknown as Fns, logA, logB, host };
}

describe("instrumented modules are valid", () => {
  for (const name of FIXTURES) {
    test(name, async () => {
      const { bytes, stats } = instrument(await fixture(name));
      expect(WebAssembly.validate(bytes)).toBe(true);
      const cli = wasmValidateCli(bytes);
      expect(cli.output).toBe("");
      expect(cli.ok).toBe(true);
      expect(stats.functions).toBeGreaterThan(0);
      expect(stats.checkpoints).toBeGreaterThanOrEqual(stats.functions);
    });
  }

  test("adds the refuel import, a mutable i64 fuel global and its export", async () => {
    const mod = new WebAssembly.Module(instrument(await fixture("loops")).bytes);
    expect(WebAssembly.Module.imports(mod)).toContainEqual({ module: "mcp-sidecar", name: "refuel", kind: "function" });
    expect(WebAssembly.Module.exports(mod)).toContainEqual({ name: "__mcp_fuel", kind: "global" });
    const inst = instantiate(instrument(await fixture("loops")).bytes, new MeteringHost(1n).imports());
    const g = inst.exports.__mcp_fuel as WebAssembly.Global;
    g.value = 123n; // throws if immutable
    expect(g.value).toBe(123n);
  });

  test("custom fuel names are honoured", async () => {
    const { bytes } = instrumentModule(await fixture("loops"), {
      maxMemoryPages: 1, fuel: { module: "meter", name: "more", exportName: "gas" },
    });
    const mod = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(mod)).toContainEqual({ module: "meter", name: "more", kind: "function" });
    expect(WebAssembly.Module.exports(mod)).toContainEqual({ name: "gas", kind: "global" });
  });

  test("instrumenting twice is refused (the refuel import already exists)", async () => {
    const once = instrument(await fixture("loops")).bytes;
    expect(() => instrument(once)).toThrow(/already imports "mcp-sidecar" "refuel"/);
  });

  test("the name section follows the shifted indices", async () => {
    const { bytes } = instrument(await fixture("indirect"));
    const p = Bun.spawnSync([`${import.meta.dir}/../../../node_modules/.bin/wasm2wat`, "-"], { stdin: bytes });
    const text = p.stdout.toString();
    // func 0 is the refuel import, the defined functions keep their own names
    expect(text).toContain('(import "mcp-sidecar" "refuel" (func $mcp-sidecar.refuel');
    expect(text).toMatch(/\(func \$double \(type \$unop\)/);
    expect(text).toContain("(start $init)");
  });
});

describe("instrumented modules compute the same results", () => {
  test("loops", async () => {
    const { a, b } = await pair("loops");
    for (const n of [0, 1, 10, 1000]) expect(b.sum_squares!(n)).toBe(a.sum_squares!(n) as bigint);
    expect(b.grid!(37, 53)).toBe(a.grid!(37, 53) as number);
    expect(b.add!(2, 40)).toBe(42);
  });

  test("recursion", async () => {
    const { a, b } = await pair("recursion");
    for (const n of [0, 1, 2, 10, 20]) expect(b.fib!(n)).toBe(a.fib!(n) as number);
    expect(b.sum_to!(100_000, 0n)).toBe(a.sum_to!(100_000, 0n) as bigint);
  });

  test("call_indirect, element segments, start, ref.func, shifted exports", async () => {
    const { a, b } = await pair("indirect");
    expect(b.started!()).toBe(7); // start function ran (and was the right one)
    for (const slot of [0, 1, 2]) expect(b.apply!(slot, 5)).toBe(a.apply!(slot, 5) as number);
    expect(b.apply!(0, 5)).toBe(10);
    expect(b.apply!(2, 5)).toBe(15);
    a.load_later!();
    b.load_later!();
    expect(b.apply!(4, 5)).toBe(-5);
    expect(b.apply!(5, 5)).toBe(a.apply!(5, 5) as number);
    b.set_slot_square!(6);
    expect(b.apply!(6, 9)).toBe(81);
    expect(b.global_ref!(4)).toBe(12);
    expect(b.double!(21)).toBe(42);
    expect(b.negate!(3)).toBe(-3);
    expect(() => b.apply!(3, 1)).toThrow(); // empty slot still traps
  });

  test("existing function imports keep their indices", async () => {
    const memory = () => new WebAssembly.Memory({ initial: 1 });
    const env = (log: number[]) => ({
      env: { log: (x: number) => log.push(x), mul: (x: number, y: number) => x * y, scale: 3, memory: memory() },
    });
    const { a, b, logA, logB } = await pair("imports", env);
    const result = b.run!(10);
    expect(result).toBe(a.run!(10) as number);
    expect(result).toBe(135);
    expect(logB).toEqual(logA);
    expect(b.mul_again!(6, 7)).toBe(42); // re-exported import is still `mul`
    const { stats } = instrument(await fixture("imports"));
    expect(stats.importedMemory).toBe(true);
    expect(stats.memories).toEqual([]);
  });

  test("bulk memory, saturating truncation, table ops, SIMD", async () => {
    const { a, b } = await pair("simd_bulk");
    expect(b.bulk!()).toBe(a.bulk!() as number);
    expect(b.sat!(1e30)).toBe(2147483647);
    expect(b.sat!(-12.7)).toBe(a.sat!(-12.7) as number);
    expect(b.tables!()).toBe(a.tables!() as number);
    expect(b.simd!()).toBe(a.simd!() as number);
    expect(b.simd_loop!(1000)).toBe(a.simd_loop!(1000) as number);
  });

  test("multi-value blocks and loops with parameters", async () => {
    const { a, b } = await pair("multi_value");
    expect(b.divmod!(17, 5)).toEqual(a.divmod!(17, 5) as number[]);
    expect(b.swap_sub!(10, 3)).toBe(a.swap_sub!(10, 3) as number);
    for (const n of [1, 2, 10, 30]) expect(b.fib_pairs!(n)).toBe(a.fib_pairs!(n) as number);
    expect(b.divmod_sum!(17, 5)).toBe(5);
  });
});

describe('fuelExport: "functions" (private global, exported accessors)', () => {
  const fnOpts = { maxMemoryPages: 16, fuelExport: "functions" } as const;

  for (const name of FIXTURES) {
    test(`${name} validates`, async () => {
      const { bytes } = instrumentModule(await fixture(name), fnOpts);
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(wasmValidateCli(bytes)).toEqual({ ok: true, output: "" });
    });
  }

  test("exports the accessors, not the global", async () => {
    const mod = new WebAssembly.Module(instrumentModule(await fixture("loops"), fnOpts).bytes);
    const exports = WebAssembly.Module.exports(mod);
    expect(exports).toContainEqual({ name: "__mcp_fuel_get", kind: "function" });
    expect(exports).toContainEqual({ name: "__mcp_fuel_set", kind: "function" });
    expect(exports.some((e) => e.kind === "global")).toBe(false);
  });

  test("same results and the same fuel as the exported-global form", async () => {
    const original = await fixture("indirect");
    const viaFns = instantiate(instrumentModule(original, fnOpts).bytes, new MeteringHost(1n).imports());
    expect((viaFns.exports.apply as Fns[string])(2, 5)).toBe(15);
    expect((viaFns.exports.started as Fns[string])()).toBe(7);

    const used = async (mode: "global" | "functions") => {
      const host = new MeteringHost(1_000n);
      const inst = instantiate(instrumentModule(await fixture("loops"), { maxMemoryPages: 1, fuelExport: mode }).bytes,
        host.imports());
      host.attach(inst);
      host.begin(1_000n);
      (inst.exports.sum_squares as Fns[string])(20_000);
      return host.used();
    };
    expect(await used("functions")).toBe(await used("global"));
  });

  test("a module with no functions gets function and code sections in the right place", () => {
    // memory + data, no functions: the code section must land before the data section
    const input = rawModule([5, [1, 0, 1]], [11, [1, 0, 0x41, 0, 0x0b, 2, 0x68, 0x69]]);
    const { bytes } = instrumentModule(input, fnOpts);
    expect(sectionList(bytes)).toEqual(["1", "2", "3", "5", "6", "7", "10", "11"]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const inst = instantiate(bytes, new MeteringHost(1n).imports());
    (inst.exports.__mcp_fuel_set as (v: bigint) => void)(42n);
    expect((inst.exports.__mcp_fuel_get as () => bigint)()).toBe(42n);
  });

  test("the accessor names are reserved", async () => {
    const clash = await watToWasm('(module (func (export "__mcp_fuel_get")))');
    expect(() => instrumentModule(clash, fnOpts)).toThrow(/already exports "__mcp_fuel_get"/);
  });
});
