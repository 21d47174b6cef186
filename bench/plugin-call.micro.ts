/**
 * In-process cost of one echo tools/call, layer by layer, one call at a time (no HTTP):
 *   provider.callTool -> runtime.run -> SandboxInstance.call -> @extism/extism plugin.call
 * and, for comparison, the same instrumented module driven by a minimal synchronous JS Extism kernel
 * (no SDK: Number offsets, one DataView per block, no per-call BigInt address maths) - the floor a leaner
 * sandbox data path could reach.  Run: npx bun bench/plugin-call.micro.ts
 * Reaches into private fields (pool, instance.plugin, instance.fuel): a measuring tool, not an API.
 */
import { join } from "node:path";
import { validateConfig } from "../src/config/load.ts";
import { startGateway } from "../src/gateway.ts";
import { CallState } from "../src/sandbox/call-state.ts";
import { compilePlugin } from "../src/sandbox/compile.ts";

const ROOT = join(import.meta.dir, "..");
const N = 30_000;
const text = "x".repeat(100);
const input = JSON.stringify({ request: { name: "echo", arguments: { text } }, context: { id: 1, _meta: {} } });

async function bench(name: string, f: () => unknown): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) await f();
    if (round === 2) console.log(`${name.padEnd(52)} ${(((performance.now() - t) * 1000) / N).toFixed(2)} µs/call`);
  }
}

// ---- the gateway's own layers ----
const config = validateConfig(
  { server: { host: "127.0.0.1", port: 0 }, plugins: { dir: join(ROOT, "plugins"), watch: false }, log: { level: "error" } },
  "micro",
);
const gateway = await startGateway(config);
const plugin = gateway.registry.plugins().find((p) => p.manifest.name === "echo")!;
const runtime: any = plugin.provider.runtime;
const state = () => new CallState({ timeoutMs: 1000, limitMs: 1000, maxHostBytes: 16 << 20, fuelBudget: null } as any);
const scope: any = { session: null, requestId: 1, signal: new AbortController().signal, meta: undefined, channel: { send() {} } };

await bench("provider.callTool", () => plugin.provider.callTool("echo", { text }, scope));
await bench("runtime.run", () => runtime.run("call_tool", input, {}));
const instance: any = await runtime.pool.acquire();
await bench("SandboxInstance.call", () => instance.call("call_tool", input, state()));
await bench("@extism/extism plugin.call", () => ((instance.fuel.value = 100_000n), instance.plugin.call("call_tool", input, state())));
runtime.pool.release(instance, true);
await gateway.stop();

// ---- minimal kernel: the extism:host/env functions echo imports, synchronous ----
const P48 = 2 ** 48;
let blocks: Uint8Array[] = [], views: DataView[] = [], inBytes = new Uint8Array(0), inView = new DataView(inBytes.buffer);
let output: Uint8Array | null = null, error: string | null = null;
const split = (a: bigint): [number, number] => {
  const n = Number(a); // exact while the block index < 32
  if (n < 2 ** 53) { const i = Math.floor(n / P48); return [i, n - i * P48]; }
  return [Number(a >> 48n), Number(BigInt.asUintN(48, a))];
};
const env = {
  alloc: (n: bigint) => { const b = new Uint8Array(Number(n)); blocks.push(b); views.push(new DataView(b.buffer)); return BigInt(blocks.length - 1) << 48n; },
  free: () => {},
  length: (a: bigint) => BigInt(blocks[split(a)[0]]?.length ?? 0),
  load_u8: (a: bigint) => { const [i, o] = split(a); return blocks[i]![o]!; },
  load_u64: (a: bigint) => { const [i, o] = split(a); return views[i]!.getBigUint64(o, true); },
  store_u8: (a: bigint, v: number) => { const [i, o] = split(a); blocks[i]![o] = v; },
  store_u64: (a: bigint, v: bigint) => { const [i, o] = split(a); views[i]!.setBigUint64(o, v, true); },
  input_length: () => BigInt(inBytes.length),
  input_load_u8: (o: bigint) => inBytes[Number(o)]!,
  input_load_u64: (o: bigint) => inView.getBigUint64(Number(o), true),
  output_set: (a: bigint, len: bigint) => { output = blocks[split(a)[0]]!.subarray(0, Number(len)); },
  error_set: (a: bigint) => { error = new TextDecoder().decode(blocks[split(a)[0]]); },
  log_error: () => {},
};
const wasm = await Bun.file(join(ROOT, "plugins/echo/plugin.wasm")).bytes();
const enc = new TextEncoder(), dec = new TextDecoder();
for (const [label, module] of [
  ["minimal kernel, instrumented module (fuel)", (await compilePlugin(wasm, 256)).module],
  ["minimal kernel, original module", await WebAssembly.compile(wasm)],
] as const) {
  const inst = await WebAssembly.instantiate(module, { "extism:host/env": env, "mcp-sidecar": { refuel: () => 100_000n } } as any);
  const call = inst.exports.call_tool as () => number;
  const fuel = inst.exports.__mcp_fuel as WebAssembly.Global | undefined;
  await bench(label, () => {
    if (fuel) fuel.value = 100_000n;
    blocks = [new Uint8Array(0)], views = [new DataView(new ArrayBuffer(0))], output = null, error = null;
    inBytes = enc.encode(input), inView = new DataView(inBytes.buffer);
    call();
    if (error || !output) throw new Error(error ?? "no output");
    return JSON.parse(dec.decode(output));
  });
}
process.exit(0);
