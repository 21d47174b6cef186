// Whole-module concerns: a large real program instrumented and run end to end,
// section placement (custom sections stay where they were; missing ones are
// added in the right order), and multiple memories.
import { describe, expect, test } from "bun:test";
import wabtInit from "wabt";
import { instrumentModule } from "./index.ts";
import { custom, fixture, instantiate, MeteringHost, rawModule, sectionList, WAT_DIR, wabtWasm, wasmValidateCli,
  watToWasm } from "./testkit.ts";

describe("a large real module (wabt, C++ compiled by Emscripten)", async () => {
  const original = await wabtWasm();
  const result = instrumentModule(original, { maxMemoryPages: 16384 });

  test("is instrumented, valid, and quick to rewrite", () => {
    expect(original.length).toBeGreaterThan(500_000);
    expect(result.stats.functions).toBeGreaterThan(1000);
    expect(result.stats.checkpoints).toBeGreaterThan(result.stats.functions);
    expect(WebAssembly.validate(result.bytes)).toBe(true);
    expect(wasmValidateCli(result.bytes)).toEqual({ ok: true, output: "" });
    expect(result.stats.rewriteMs).toBeLessThan(500); // typically 10-30 ms; generous for a loaded CI box
  });

  test("runs and produces byte-identical output to the original", async () => {
    const host = new MeteringHost(10_000n);
    type Init = (arg: object) => ReturnType<typeof wabtInit>;
    const metered = await (wabtInit as unknown as Init)({
      instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
        const module = new WebAssembly.Module(result.bytes);
        const instance = new WebAssembly.Instance(module, { ...imports, ...host.imports() });
        host.attach(instance);
        host.begin(10_000n);
        receive(instance, module);
        return {};
      },
    });
    const plain = await wabtInit();
    for (const name of ["loops", "indirect", "simd_bulk", "multi_value"]) {
      const src = await Bun.file(`${WAT_DIR}/${name}.wat`).text();
      const compile = (w: typeof plain) => {
        const m = w.parseWat(`${name}.wat`, src, { simd: true, bulk_memory: true, multi_value: true,
          reference_types: true, tail_call: true });
        try {
          m.resolveNames();
          m.validate();
          return m.toBinary({ write_debug_names: true }).buffer.slice();
        } finally {
          m.destroy();
        }
      };
      expect(compile(metered)).toEqual(compile(plain));
    }
    expect(host.used()).toBeGreaterThan(10_000n); // the work was metered...
    expect(host.refuels).toBeGreaterThan(0); // ...and refuelled along the way
  });
});

describe("sections", () => {
  test("custom sections keep their place; branch hints (code offsets) are dropped", () => {
    const input = rawModule(
      custom("first"),
      [1, [1, 0x60, 0, 0]],
      custom("after-type", [1, 2, 3]),
      [3, [1, 0]],
      custom("metadata.code.branch_hint", [0]),
      [10, [1, 2, 0, 0x0b]],
      custom("producers", [0]),
    );
    const out = instrumentModule(input, { maxMemoryPages: 1 }).bytes;
    expect(WebAssembly.validate(out)).toBe(true);
    expect(sectionList(out)).toEqual([
      "custom:first", "1", "custom:after-type", "2", "3", "6", "7", "10", "custom:producers",
    ]);
  });

  test("missing type/import/global/export sections are added in order", () => {
    const empty = rawModule();
    const out = instrumentModule(empty, { maxMemoryPages: 1 });
    expect(sectionList(out.bytes)).toEqual(["1", "2", "6", "7"]);
    expect(WebAssembly.validate(out.bytes)).toBe(true);
    expect(out.stats).toMatchObject({ functions: 0, checkpoints: 0, memories: [], importedMemory: false });
  });

  test("an existing start/element/data count layout survives", async () => {
    const out = instrumentModule(await fixture("indirect"), { maxMemoryPages: 1 }).bytes;
    const ids = sectionList(out).filter((s) => !s.startsWith("custom"));
    expect(ids).toEqual(["1", "2", "3", "4", "6", "7", "8", "9", "10"]);
  });

  test("every defined memory is capped (multi-memory)", () => {
    // two memories, 1 and 2 pages, no maxima
    const input = rawModule([5, [2, 0x00, 1, 0x00, 2]]);
    const out = instrumentModule(input, { maxMemoryPages: 8 });
    expect(out.stats.memories).toEqual([{ initial: 1, max: 8 }, { initial: 2, max: 8 }]);
    expect(wasmValidateCli(out.bytes).ok).toBe(true);
  });

  test("memory indices in error messages count imported memories", () => {
    // one imported memory (env.m, 1 page), then a defined one of 50 pages
    const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
    const input = rawModule([2, [1, ...name("env"), ...name("m"), 0x02, 0x00, 1]], [5, [1, 0x00, 50]]);
    expect(() => instrumentModule(input, { maxMemoryPages: 10 })).toThrow(/memory 1 starts at 50 pages/);
  });

  test("exception handling (tag section, throw, try/catch, delegate) keeps working", async () => {
    const wasm = await watToWasm(`(module
      (tag $e (param i32))
      (func $thrower (param i32) (throw $e (local.get 0)))
      (func (export "catch_it") (param $n i32) (result i32)
        (local $i i32) (local $sum i32)
        (loop $l
          (local.set $sum (i32.add (local.get $sum)
            (try (result i32)
              (do (try (do (call $thrower (local.get $i))) (delegate 0)) (i32.const -1))
              (catch $e (i32.add (i32.const 100))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $sum)))`);
    const out = instrumentModule(wasm, { maxMemoryPages: 1 });
    expect(sectionList(out.bytes).filter((s) => !s.startsWith("custom"))).toEqual(["1", "2", "3", "13", "6", "7", "10"]);
    expect(wasmValidateCli(out.bytes)).toEqual({ ok: true, output: "" });
    const host = new MeteringHost(10n ** 9n);
    const inst = instantiate(out.bytes, host.imports());
    const plain = instantiate(wasm);
    const run = (i: WebAssembly.Instance) => (i.exports.catch_it as (n: number) => number)(10);
    expect(run(inst)).toBe(run(plain));
    expect(run(inst)).toBe(1045);
  });

  test("a malformed name section is dropped, not fatal", async () => {
    const input = rawModule([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 2, 0, 0x0b]], custom("name", [1, 9, 9]));
    const out = instrumentModule(input, { maxMemoryPages: 1 }).bytes;
    expect(sectionList(out)).not.toContain("custom:name");
    expect(WebAssembly.validate(out)).toBe(true);
  });

  test("local names move with their function", async () => {
    const wasm = await watToWasm(`(module (import "e" "f" (func $imp))
      (func $one (param $x i32)) (func $two (param $y i32) (local $z i32)))`);
    const out = instrumentModule(wasm, { maxMemoryPages: 1 }).bytes;
    const bin = `${import.meta.dir}/../../../node_modules/.bin/wasm2wat`;
    const text = Bun.spawnSync([bin, "-"], { stdin: out }).stdout.toString();
    expect(text).toContain("(func $one (type 1) (param $x i32)");
    expect(text).toContain("(func $two (type 1) (param $y i32)");
    expect(text).toContain("(local $z i32)");
    expect(text).toContain('(import "e" "f" (func $imp');
  });
});
