// Hostile plugins against the instrumented module: the loop that never ends,
// the memory bomb, unbounded (tail) recursion, a guest that catches the host's
// exception, and fuel that tracks the work done.
import { describe, expect, test } from "bun:test";
import { instrumentModule } from "./index.ts";
import { FuelExhausted, fixture, instantiate, MeteringHost, watToWasm } from "./testkit.ts";

type Fns = Record<string, (...args: unknown[]) => unknown>;

async function metered(name: string, host: MeteringHost, maxMemoryPages = 16) {
  const { bytes } = instrumentModule(await fixture(name), { maxMemoryPages });
  const inst = instantiate(bytes, host.imports());
  host.attach(inst);
  host.begin(host.allotment);
  return inst.exports as unknown as Fns;
}

describe("CPU: fuel stops what Bun cannot", () => {
  test("infinite loop: refuel is called repeatedly, its throw propagates", async () => {
    const host = new MeteringHost(10_000n, 5, "throw");
    const { run } = await metered("infinite_loop", host);
    expect(() => run!()).toThrow(FuelExhausted);
    expect(host.refuels).toBe(6); // five allotments granted, the sixth call refused
  });

  test('infinite loop with fuelExport: "functions"', async () => {
    const { bytes } = instrumentModule(await fixture("infinite_loop"), { maxMemoryPages: 1, fuelExport: "functions" });
    const host = new MeteringHost(10_000n, 4, "throw");
    const inst = instantiate(bytes, host.imports());
    host.attach(inst);
    host.begin(10_000n);
    expect(() => (inst.exports.run as () => void)()).toThrow(FuelExhausted);
    expect(host.refuels).toBe(5);
  });

  test("infinite loop: a negative allotment traps (uncatchable by the guest)", async () => {
    const host = new MeteringHost(10_000n, 3, "trap");
    const { run } = await metered("infinite_loop", host);
    expect(() => run!()).toThrow(WebAssembly.RuntimeError);
    expect(host.refuels).toBe(4);
  });

  test("infinite loop: a wall-clock deadline enforced from refuel", async () => {
    const { bytes } = instrumentModule(await fixture("infinite_loop"), { maxMemoryPages: 1 });
    let deadline = 0;
    let refuels = 0;
    const inst = instantiate(bytes, {
      "mcp-sidecar": {
        refuel: () => {
          refuels++;
          if (performance.now() > deadline) throw new Error("deadline exceeded");
          return 100_000n;
        },
      },
    });
    const started = performance.now();
    deadline = started + 50;
    expect(() => (inst.exports.run as () => void)()).toThrow("deadline exceeded");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(50);
    expect(elapsed).toBeLessThan(1_000);
    expect(refuels).toBeGreaterThan(1);
  });

  test("unbounded tail recursion (never overflows the stack) is stopped", async () => {
    const host = new MeteringHost(10_000n, 2);
    const { tail_spin } = await metered("recursion", host);
    expect(() => tail_spin!(0)).toThrow(FuelExhausted);
    expect(host.refuels).toBe(3);
  });

  test("unbounded plain recursion is stopped (by fuel or by the stack)", async () => {
    const host = new MeteringHost(1_000n, 10);
    const { deep } = await metered("recursion", host);
    expect(() => deep!(0)).toThrow();
  });

  test("a guest can swallow the host's throw with catch_all, not the trap", async () => {
    const { bytes } = instrumentModule(await fixture("catch_all_loop"), { maxMemoryPages: 1 });
    let mode: "throw" | "trap" = "throw";
    let refuels = 0;
    const inst = instantiate(bytes, {
      "mcp-sidecar": {
        refuel: () => {
          refuels++;
          if (mode === "throw") throw new FuelExhausted();
          return -1n;
        },
      },
    });
    (inst.exports.__mcp_fuel as WebAssembly.Global).value = 1_000n;
    const run = inst.exports.run as () => number;
    expect(run()).toBe(1); // the throw was caught by the guest: the host must not trust a normal return
    expect(refuels).toBe(1);
    mode = "trap";
    (inst.exports.__mcp_fuel as WebAssembly.Global).value = 1_000n;
    expect(() => run()).toThrow(WebAssembly.RuntimeError);
    expect(refuels).toBe(2);
  });
});

describe("fuel accounting", () => {
  const usedFor = async (n: number, allotment: bigint) => {
    const host = new MeteringHost(allotment);
    const { sum_squares } = await metered("loops", host);
    sum_squares!(n);
    return { used: Number(host.used()), refuels: host.refuels };
  };

  test("fuel used grows linearly with the iteration count", async () => {
    const small = await usedFor(10_000, 1_000n);
    const large = await usedFor(100_000, 1_000n);
    const ratio = large.used / small.used;
    expect(ratio).toBeGreaterThan(9.5);
    expect(ratio).toBeLessThan(10.5);
    // The loop body is 19 instructions up to its back-edge `br`: the charge per iteration is that.
    const perIteration = large.used / 100_000;
    expect(perIteration).toBeGreaterThan(15);
    expect(perIteration).toBeLessThan(25);
  });

  test("fuel used does not depend on how often the host refuels", async () => {
    const often = await usedFor(50_000, 100n);
    const never = await usedFor(50_000, 10n ** 15n);
    expect(often.refuels).toBeGreaterThan(1000);
    expect(never.refuels).toBe(0);
    expect(often.used).toBe(never.used);
  });

  test("nested loops are charged per inner iteration", async () => {
    const host = new MeteringHost(10n ** 15n);
    const { grid } = await metered("loops", host);
    grid!(100, 10);
    const a = Number(host.used());
    host.begin(10n ** 15n);
    grid!(100, 100);
    const b = Number(host.used());
    expect(b / a).toBeGreaterThan(8);
    expect(b / a).toBeLessThan(10.5);
  });
});

describe("memory: the cap is written into the module", () => {
  test("memory bomb: memory.grow returns -1 at the cap", async () => {
    const host = new MeteringHost(10n ** 12n);
    const exports = await metered("memory_bomb", host, 16);
    expect(exports.run!()).toBe(16);
    expect(exports.grow!(1)).toBe(-1);
    expect(exports.grow!(100_000)).toBe(-1);
    expect((exports.memory as unknown as WebAssembly.Memory).buffer.byteLength).toBe(16 * 65536);
  });

  test("stats report the memories and their new maxima", async () => {
    const { stats } = instrumentModule(await fixture("memory_bomb"), { maxMemoryPages: 16 });
    expect(stats.memories).toEqual([{ initial: 1, max: 16 }]);
    expect(stats.importedMemory).toBe(false);
  });

  test("a smaller declared maximum is kept, a larger one lowered", async () => {
    const low = await watToWasm("(module (memory 1 4))");
    const high = await watToWasm("(module (memory 1 1000))");
    expect(instrumentModule(low, { maxMemoryPages: 16 }).stats.memories).toEqual([{ initial: 1, max: 4 }]);
    expect(instrumentModule(high, { maxMemoryPages: 16 }).stats.memories).toEqual([{ initial: 1, max: 16 }]);
    // (module (memory 2 100 shared)), by hand: wabt's validator refuses shared memories here
    const shared = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 0x03, 2, 100);
    const out = instrumentModule(shared, { maxMemoryPages: 16 });
    expect(out.stats.memories).toEqual([{ initial: 2, max: 16 }]);
    expect(WebAssembly.validate(out.bytes)).toBe(true);
  });

  test("initial size over the limit fails with both numbers", async () => {
    const big = await watToWasm("(module (memory 300))");
    expect(() => instrumentModule(big, { maxMemoryPages: 256 })).toThrow(
      "memory 0 starts at 300 pages (19200 KiB), over the plugin's memory limit of 256 pages (16384 KiB)",
    );
  });

  test("optional table cap", async () => {
    const wasm = await watToWasm(`(module (table 2 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`);
    const { bytes } = instrumentModule(wasm, { maxMemoryPages: 1, maxTableElements: 10 });
    const grow = instantiate(bytes, new MeteringHost(10n ** 9n).imports()).exports.grow as (n: number) => number;
    expect(grow(8)).toBe(2);
    expect(grow(1)).toBe(-1);
  });
});
