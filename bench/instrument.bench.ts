/**
 * Cost of the wasm instrumentation (src/sandbox/instrument):
 *  1. rewrite time on large modules (wabt's real 600 KB module; a generated ~1.5 MB one);
 *  2. run-time overhead of the injected fuel checks: a 1e6-iteration loop, a
 *     call-heavy recursion and a tiny exported call, instrumented vs original,
 *     interleaved in the same process.
 * Run: npx bun bench/instrument.bench.ts
 */
import { instrumentModule } from "../src/sandbox/instrument/index.ts";
import { fixture, instantiate, MeteringHost, wabtWasm, watToWasm } from "../src/sandbox/instrument/testkit.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (x: number, d = 2) => x.toFixed(d);

function rewriteTimes(label: string, bytes: Uint8Array): void {
  const cold = instrumentModule(bytes, { maxMemoryPages: 16384 });
  const warm: number[] = [];
  for (let i = 0; i < 30; i++) warm.push(instrumentModule(bytes, { maxMemoryPages: 16384 }).stats.rewriteMs);
  const t0 = performance.now();
  new WebAssembly.Module(cold.bytes);
  const compileMs = performance.now() - t0;
  const { functions, checkpoints } = cold.stats;
  console.log(`${label.padEnd(28)} ${(bytes.length / 1024).toFixed(0).padStart(6)} KB -> ` +
    `${(cold.bytes.length / 1024).toFixed(0)} KB (+${fmt((cold.bytes.length / bytes.length - 1) * 100, 1)}%)  ` +
    `${functions} fns ${checkpoints} checkpoints  rewrite: first ${fmt(cold.stats.rewriteMs)} ms, ` +
    `warm median ${fmt(median(warm))} ms  (compile of the result: ${fmt(compileMs)} ms)`);
}

/** Many mid-sized functions with loops, calls and branches, like compiled application code. */
async function generatedModule(functions: number): Promise<Uint8Array> {
  const parts: string[] = ["(module (memory 1) (table 16 funcref)"];
  for (let i = 0; i < functions; i++) {
    const callee = i > 0 ? `(call $f${i - 1} (local.get 0))` : "(local.get 0)";
    parts.push(`(func $f${i} (param i32) (result i32) (local i32 i32)
      (local.set 1 (i32.const ${i}))
      (block $out (loop $l
        (br_if $out (i32.ge_u (local.get 2) (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 2) (i32.const ${(i % 97) + 1}))))
        (i32.store offset=${(i % 64) * 4} (i32.const 0) (local.get 1))
        (if (i32.and (local.get 1) (i32.const 1))
          (then (local.set 1 (i32.xor (local.get 1) (i32.load offset=${(i % 32) * 4} (i32.const 0)))))
          (else (local.set 1 (i32.rotl (local.get 1) (i32.const 3)))))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br $l)))
      (i32.add (local.get 1) ${i % 50 === 0 ? callee : "(i32.const 0)"}))`);
  }
  parts.push(")");
  return watToWasm(parts.join("\n"), "generated.wat");
}

type Fn = (...a: number[]) => unknown;
type Fns = Record<string, Fn>;

/**
 * Time each variant `rounds` times, interleaved so all see the same machine
 * state; report the median of the second half (after JSC's tier-up to OMG).
 */
function compare(label: string, variants: Record<string, () => void>, rounds = 40): void {
  const times: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const t = performance.now();
      run();
      (times[name] ??= []).push(performance.now() - t);
    }
  }
  const steady = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v.slice(rounds >> 1))]));
  const base = steady.original!;
  const cells = Object.entries(steady).map(([k, v]) =>
    k === "original" ? `original ${fmt(v, 3)} ms` : `${k} ${fmt(v, 3)} ms (${fmt(v / base)}x)`);
  console.log(`${label.padEnd(40)} ${cells.join("   ")}`);
}

async function overhead(): Promise<void> {
  const loops = await fixture("loops");
  const rec = await fixture("recursion");
  const big = 10n ** 15n; // never runs out: measures the checks alone
  const build = (m: Uint8Array<ArrayBuffer>, mode?: "global" | "functions", allotment = big) => {
    if (!mode) return instantiate(m).exports as unknown as Fns;
    const host = new MeteringHost(allotment);
    const inst = instantiate(instrumentModule(m, { maxMemoryPages: 16, fuelExport: mode }).bytes, host.imports());
    host.attach(inst);
    host.begin(allotment);
    return inst.exports as unknown as Fns;
  };
  const L = { original: build(loops), global: build(loops, "global"), functions: build(loops, "functions"),
    refuel1M: build(loops, "functions", 1_000_000n) };
  const R = { original: build(rec), global: build(rec, "global"), functions: build(rec, "functions") };
  const each = <T extends Record<string, Fns>>(set: T, f: (x: Fns) => void) =>
    Object.fromEntries(Object.entries(set).map(([k, x]) => [k, () => f(x)]));

  compare("loop, 1e6 iterations (sum_squares)", each(L, (x) => x.sum_squares!(1e6)));
  compare("nested loops 1000x1000 (grid)", each(L, (x) => x.grid!(1000, 1000)));
  compare("recursive fib(27), ~630k wasm calls", each(R, (x) => x.fib!(27)));
  const N = 1_000_000;
  compare(`add() called ${N / 1e6}M times from JS`, each(L, (x) => { for (let i = 0; i < N; i++) x.add!(i, 1); }),
    10);
  const host = new MeteringHost(big);
  const inst = instantiate(instrumentModule(loops, { maxMemoryPages: 16 }).bytes, host.imports());
  host.attach(inst);
  host.begin(big);
  (inst.exports.sum_squares as Fn)(1e6);
  console.log(`\nfuel charged for sum_squares(1e6): ${host.used()} (${Number(host.used()) / 1e6} per iteration)`);
  console.log("refuel1M = functions mode with a refuel (JS host call) every 1e6 fuel");
}

console.log(`Bun ${Bun.version}, ${process.arch}\n\nRewrite time`);
rewriteTimes("wabt (Emscripten C++)", await wabtWasm());
rewriteTimes("generated, 8000 functions", await generatedModule(8000));
console.log("\nRun-time overhead (median of the last 20 of 40 interleaved rounds; global/functions = fuelExport)");
await overhead();
