/**
 * What `isolation: "process"` costs per call: the bundled echo plugin run through InProcessRuntime and
 * ProcessRuntime side by side (same limits, same input), sequentially (latency) and with 8 calls in flight
 * over a pool of 8 (throughput). Also the price of a kill: spawn + load of a child.
 *
 *   bun bench/process-isolation.bench.ts [--calls 5000] [--text-bytes 100]
 * Prints a table and one line PROCESS_ISOLATION_JSON {...}.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { userHostFunctions } from "../src/registry/abi/host-functions.ts";
import { pluginLimitsSchema } from "../src/sandbox/limits.ts";
import { ProcessRuntime } from "../src/sandbox/process/runtime.ts";
import { InProcessRuntime, type PluginRuntime, type RuntimeOptions } from "../src/sandbox/runtime.ts";

const { values: flags } = parseArgs({
  options: { calls: { type: "string", default: "5000" }, "text-bytes": { type: "string", default: "100" } },
});
const CALLS = Number(flags.calls);
const bytes = await Bun.file(join(import.meta.dir, "..", "plugins", "echo", "plugin.wasm")).bytes();
const input = JSON.stringify({
  request: { name: "echo", arguments: { text: "x".repeat(Number(flags["text-bytes"])) } },
  context: { id: 1, _meta: {} },
});
const opts: RuntimeOptions = {
  name: "echo",
  limits: pluginLimitsSchema.parse({ timeoutMs: 5000, memoryMb: 16, maxConcurrent: 8 }),
  config: {},
  allowedHosts: [],
  hostFunctions: userHostFunctions,
  logger: console,
};

/** µs per call with `inFlight` callers each awaiting its previous call. */
async function measure(runtime: PluginRuntime, inFlight: number): Promise<number> {
  const perCaller = Math.ceil(CALLS / inFlight);
  const caller = async () => {
    for (let i = 0; i < perCaller; i++) await runtime.run("call_tool", input);
  };
  await Promise.all(Array.from({ length: inFlight }, caller)); // warm-up: JIT, and spawns up to inFlight
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, caller));
  return ((performance.now() - t0) * 1000) / (perCaller * inFlight);
}

const spawnMs: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  (await ProcessRuntime.load(bytes, opts)).close();
  spawnMs.push(performance.now() - t0);
}

const inProcess = await InProcessRuntime.load(bytes, opts);
const isolated = await ProcessRuntime.load(bytes, opts);
const results = {
  calls: CALLS,
  inputBytes: input.length,
  sequential: { inProcessUs: await measure(inProcess, 1), processUs: await measure(isolated, 1) },
  concurrent8: { inProcessUs: await measure(inProcess, 8), processUs: await measure(isolated, 8) },
  spawnAndLoadMs: { min: Math.min(...spawnMs), median: spawnMs.sort((a, b) => a - b)[2]! },
};
inProcess.close();
isolated.close();

const f = (n: number) => n.toFixed(1).padStart(8);
console.log(`echo, ${results.inputBytes} B input, ${CALLS} calls          in-process   process   overhead`);
for (const [label, r] of [["sequential (1 in flight)  µs/call", results.sequential], ["8 in flight, pool of 8    µs/call", results.concurrent8]] as const) {
  console.log(`${label}   ${f(r.inProcessUs)}  ${f(r.processUs)}  ${f(r.processUs - r.inProcessUs)}`);
}
console.log(`spawn + load of one child: min ${results.spawnAndLoadMs.min.toFixed(0)} ms, median ${results.spawnAndLoadMs.median.toFixed(0)} ms`);
console.log(`PROCESS_ISOLATION_JSON ${JSON.stringify(results)}`);
