/**
 * Per-call cost of the same echo tool written in Rust (plugins/echo), JavaScript (plugins/echo-js, when
 * built) and AssemblyScript (plugins/echo-as), through the sandbox API the gateway uses (InProcessRuntime:
 * instrument + compile, instance pool, CallState per call), one process, languages interleaved, ratios
 * against Rust from the same run (each plugin under its own manifest's memory limit):
 *   cold   InProcessRuntime.load of bytes not compiled before (instrument + compile + instantiate) + first call
 *   fresh  InProcessRuntime.load of an already compiled module (instantiate only) + first call: what a
 *          reload of unchanged bytes, or an instance rebuilt after a trap, costs
 *   warm   calls on a warm instance, µs wall and process CPU per call (one call at a time)
 *   npx bun bench/plugin-languages.bench.ts [--rounds 15] [--calls 5000]
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { userHostFunctions } from "../src/registry/abi/host-functions.ts";
import { pluginLimitsSchema } from "../src/sandbox/limits.ts";
import { InProcessRuntime } from "../src/sandbox/runtime.ts";

const ROOT = join(import.meta.dir, "..");
const LANGUAGES = [
  { lang: "Rust", dir: "plugins/echo" },
  { lang: "JS", dir: "plugins/echo-js" },
  { lang: "AS", dir: "plugins/echo-as" },
] as const;
const SIZES = [100, 4096];
const quiet = { ...console, info() {}, debug() {}, warn() {}, log() {} } as Console;

interface Subject {
  lang: string;
  bytes: Uint8Array;
  /** The manifest's memory limit: the base the cold samples' unique limits count up from. */
  memoryMb: number;
  tool: string;
  cold: number[];
  fresh: number[];
  warm: Map<number, { us: number[]; cpu: number[] }>;
}

/**
 * A runtime for `bytes`. The compile cache is keyed by bytes and memory limit, so a memory limit not used
 * before (the manifest's + 1 + sample number) forces a real instrument + compile: how `cold` samples miss it.
 */
function load(bytes: Uint8Array, memoryMb: number): Promise<InProcessRuntime> {
  return InProcessRuntime.load(bytes, {
    name: "bench",
    limits: pluginLimitsSchema.parse({ memoryMb, timeoutMs: 10_000, maxConcurrent: 1 }),
    config: {},
    allowedHosts: [],
    hostFunctions: (imports) => userHostFunctions(imports),
    logger: quiet,
  });
}

const callInput = (tool: string, size: number) =>
  JSON.stringify({ request: { name: tool, arguments: { text: "x".repeat(size) } }, context: { id: 1, _meta: {} } });

async function callOnce(runtime: InProcessRuntime, tool: string, size: number): Promise<void> {
  const { output } = await runtime.run("call_tool", callInput(tool, size));
  const text = new TextDecoder().decode(output!);
  if (!text.includes("x".repeat(size))) throw new Error(`${tool}: wrong answer ${text.slice(0, 120)}`);
}

/** The plugin's one tool name, asked the way the gateway asks. */
async function toolName(bytes: Uint8Array, memoryMb: number): Promise<string> {
  const runtime = await load(bytes, memoryMb);
  const { output } = await runtime.run("list_tools", JSON.stringify({ context: { id: 0, _meta: {} } }));
  runtime.close();
  return JSON.parse(new TextDecoder().decode(output!)).tools[0].name;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

/** Busy CPU seconds of the whole machine (all processes), from /proc/stat (USER_HZ = 100). */
function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "latin1").split("\n")[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "15" }, calls: { type: "string", default: "5000" } } });
  const rounds = Number(values.rounds);
  const calls = Number(values.calls);
  const subjects: Subject[] = [];
  const missing: string[] = [];
  for (const { lang, dir } of LANGUAGES) {
    const path = join(ROOT, dir, "plugin.wasm");
    if (!existsSync(path)) {
      missing.push(`${lang} (${dir}/plugin.wasm not built)`);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(path));
    const memoryMb: number = JSON.parse(readFileSync(join(ROOT, dir, "manifest.json"), "utf8")).limits?.memoryMb ?? 16;
    subjects.push({ lang, bytes, memoryMb, tool: await toolName(bytes, memoryMb), cold: [], fresh: [], warm: new Map() });
  }
  // Warm the host's own JS first, so the first language measured pays no more than the others.
  for (const s of subjects) {
    const runtime = await load(s.bytes, s.memoryMb);
    await callOnce(runtime, s.tool, 100);
    runtime.close();
  }
  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const started = performance.now();

  // Phase 1, first calls. Phase 2, warm calls on one runtime per language, made after phase 1 so the
  // compiler threads still tiering up phase 1's modules have finished (they count in process CPU time).
  let sample = 0;
  for (let r = 0; r < rounds; r++) {
    for (const s of subjects) {
      let runtime!: InProcessRuntime;
      const memoryMb = s.memoryMb + 1 + sample++;
      s.cold.push(await timed(async () => callOnce((runtime = await load(s.bytes, memoryMb)), s.tool, 100)));
      runtime.close();
      s.fresh.push(await timed(async () => callOnce((runtime = await load(s.bytes, memoryMb)), s.tool, 100)));
      runtime.close();
    }
  }
  const runtimes = await Promise.all(subjects.map((s) => load(s.bytes, s.memoryMb)));
  for (const size of SIZES) {
    const n = size > 1000 ? Math.ceil(calls / 5) : calls;
    // As many warm-up calls first (JIT tiers), then interleaved rounds.
    for (const [i, s] of subjects.entries()) for (let k = 0; k < n; k++) await callOnce(runtimes[i]!, s.tool, size);
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of subjects.entries()) {
        const input = callInput(s.tool, size);
        const cpu0 = process.cpuUsage();
        const wall = await timed(async () => {
          for (let k = 0; k < n; k++) await runtimes[i]!.run("call_tool", input);
        });
        const cpu = process.cpuUsage(cpu0);
        if (!s.warm.has(size)) s.warm.set(size, { us: [], cpu: [] });
        s.warm.get(size)!.us.push((wall * 1000) / n);
        s.warm.get(size)!.cpu.push((cpu.user + cpu.system) / n);
      }
    }
  }
  for (const runtime of runtimes) runtime.close();

  const own = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  // CPU other processes used meanwhile, as a share of the machine: the wall figures mean little when high.
  const foreign = Math.max(0, (machineBusySeconds() - busy0 - (own.user + own.system) / 1e6) / (seconds * availableParallelism()));
  const rust = subjects.find((s) => s.lang === "Rust");
  const ratio = (x: number, base: number | undefined) => (base === undefined ? "–" : `${(x / base).toFixed(2)}x`);
  console.log(`echo tool, call_tool through InProcessRuntime; median of ${rounds} interleaved rounds, one process`);
  console.log(`other processes used ${Math.round(foreign * 100)} % of the machine's CPU during the run (${seconds.toFixed(0)} s)`);
  if (missing.length) console.log(`not measured: ${missing.join(", ")}`);
  console.log("| language | wasm bytes | cold: load + first call (ms) | vs Rust | fresh instance + first call (ms) | vs Rust | warm 100 B (µs wall, CPU) | vs Rust (wall, CPU) | warm 4 KB (µs wall, CPU) | vs Rust (wall, CPU) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of subjects) {
    const warm = SIZES.map((size) => {
      const w = s.warm.get(size)!;
      const base = rust?.warm.get(size);
      return `${median(w.us).toFixed(1)}, ${median(w.cpu).toFixed(1)} | ${ratio(median(w.us), base && median(base.us))}, ${ratio(median(w.cpu), base && median(base.cpu))}`;
    });
    console.log(
      `| ${s.lang} | ${s.bytes.byteLength} | ${median(s.cold).toFixed(2)} | ${ratio(median(s.cold), rust && median(rust.cold))} | ${median(s.fresh).toFixed(2)} | ${ratio(median(s.fresh), rust && median(rust.fresh))} | ${warm.join(" | ")} |`,
    );
  }
}

await main();
