/**
 * The echo plugin call through three Extism hosts, same module (instrumented plugins/echo), same run:
 *   sdk     @extism/extism 2.0.0-rc13, as src/sandbox used it before (bench/host/sdk-instance.ts)
 *   js      our host with the block store in JS, plain-number handles (bench/host/js-store.ts)
 *   kernel  our host as shipped: the block store is a wasm kernel the guest calls directly
 *           (src/sandbox/host, SandboxInstance)
 * µs per call, wall and CPU (one call at a time, a fresh CallState each, as InProcessRuntime does) and garbage
 * collections per 10,000 calls, for 100 B and 4 KB of text. Each (host, size) runs in a child process of
 * its own with BUN_JSC_logGC=1; rounds are interleaved and the median is printed. "foreign CPU" is what
 * other processes used meanwhile (share of all cores): quote wall times only when it is near 0.
 *   npx bun bench/host.bench.ts [--rounds 3]
 */
import { readFileSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CallState } from "../src/sandbox/call-state.ts";
import { compilePlugin } from "../src/sandbox/compile.ts";
import { SandboxInstance } from "../src/sandbox/instance.ts";
import { JsStoreInstance } from "./host/js-store.ts";
import { SdkInstance } from "./host/sdk-instance.ts";

const ROOT = join(import.meta.dir, "..");
const HOSTS = ["sdk", "js", "kernel"] as const;
const SIZES = [100, 4096] as const;
const CALLS: Record<number, number> = { 100: 30_000, 4096: 6_000 };
const MARK = "@@bench@@";

/** Busy CPU seconds of the whole machine (all processes), from /proc/stat (USER_HZ = 100). */
function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "latin1").split("\n")[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

const inputOf = (size: number) =>
  JSON.stringify({ request: { name: "echo", arguments: { text: "x".repeat(size) } }, context: { id: 1, _meta: {} } });
const newState = () => new CallState({ timeoutMs: 10_000, limitMs: 10_000, maxHostBytes: 16 << 20, fuelBudget: null });

async function child(host: string, size: number): Promise<void> {
  const compiled = await compilePlugin(await Bun.file(join(ROOT, "plugins/echo/plugin.wasm")).bytes(), 256);
  const input = inputOf(size);
  let call: () => Promise<Uint8Array | null>;
  if (host === "sdk") {
    const sdk = await SdkInstance.create(compiled, 1 << 20);
    call = () => sdk.call("call_tool", input, newState());
  } else if (host === "js") {
    const js = await JsStoreInstance.create(compiled, "call_tool");
    call = () => js.call(input, newState());
  } else {
    const opts = { pluginName: "echo", maxGuestBytes: 16 << 20, maxOutputBytes: 1 << 20, config: {}, allowedHosts: [], hostFunctions: {}, logger: console };
    const instance = await SandboxInstance.create(compiled, opts);
    call = async () => (await instance.call("call_tool", input, newState())).output;
  }
  const out = new TextDecoder().decode((await call())!);
  if (!out.includes("x".repeat(size))) throw new Error(`${host}: wrong answer ${out.slice(0, 80)}`);
  const n = CALLS[size]!;
  for (let i = 0; i < n / 2; i++) await call(); // warm-up (JIT tiers)
  writeSync(2, `${MARK}start\n`);
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const own = (cpu.user + cpu.system) / 1e6;
  // CPU other processes used meanwhile, as a share of the machine: the run is trustworthy near 0.
  const foreign = Math.max(0, (machineBusySeconds() - busy0 - own) / ((wall / 1000) * availableParallelism()));
  writeSync(2, `${MARK}end\n`);
  console.log(JSON.stringify({ us: (wall * 1000) / n, cpuUs: (own * 1e6) / n, foreign, n }));
  // The SDK keeps every call's blocks until reset; our calls never touch it, so nothing to clean up.
  process.exit(0);
}

async function measure(host: string, size: number): Promise<{ us: number; cpuUs: number; foreign: number; gcPer10k: number }> {
  const p = Bun.spawn([process.execPath, import.meta.path, "--child", host, String(size)], {
    env: { ...process.env, BUN_JSC_logGC: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) throw new Error(`${host} ${size}: ${stderr.split("\n").filter((l) => !l.startsWith("[GC")).join("\n").slice(-2000)}`);
  const { us, cpuUs, foreign, n } = JSON.parse(stdout.trim().split("\n").pop()!);
  const timed = stderr.slice(stderr.indexOf(`${MARK}start`), stderr.indexOf(`${MARK}end`));
  const gcs = timed.match(/START .*=> (Eden|Full)Collection/g)?.length ?? 0;
  return { us, cpuUs, foreign, gcPer10k: (gcs * 10_000) / n };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (process.argv[2] === "--child") {
  await child(process.argv[3]!, Number(process.argv[4]));
} else {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
  const rounds = Number(values.rounds);
  const results = new Map<string, { us: number[]; cpu: number[]; gc: number[]; foreign: number[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const size of SIZES) {
      for (const host of HOSTS) {
        const m = await measure(host, size);
        const key = `${host} ${size}`;
        if (!results.has(key)) results.set(key, { us: [], cpu: [], gc: [], foreign: [] });
        results.get(key)!.foreign.push(m.foreign);
        results.get(key)!.us.push(m.us);
        results.get(key)!.cpu.push(m.cpuUs);
        results.get(key)!.gc.push(m.gcPer10k);
      }
    }
  }
  console.log(`echo call_tool, instrumented module, one call at a time; median of ${rounds} rounds (each a fresh process)`);
  console.log("| input text | host | µs/call | CPU µs/call | vs sdk (CPU) | GCs per 10k calls | foreign CPU | all rounds: CPU µs |");
  console.log("|---:|---|---:|---:|---:|---:|---:|---|");
  for (const size of SIZES) {
    const base = median(results.get(`sdk ${size}`)!.cpu);
    for (const host of HOSTS) {
      const { us, cpu, gc, foreign } = results.get(`${host} ${size}`)!;
      const pct = (x: number) => `${Math.round(x * 100)} %`;
      console.log(
        `| ${size} B | ${host} | ${median(us).toFixed(2)} | ${median(cpu).toFixed(2)} | ${(base / median(cpu)).toFixed(2)}x | ${median(gc).toFixed(1)} | ${pct(Math.min(...foreign))}–${pct(Math.max(...foreign))} | ${cpu.map((u) => u.toFixed(2)).join(", ")} |`,
      );
    }
  }
}
