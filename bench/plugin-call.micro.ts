/**
 * In-process cost of one echo tools/call, layer by layer, one call at a time (no HTTP):
 *   provider.callTool -> runtime.run -> SandboxInstance.call (our Extism host, src/sandbox/host)
 * For the host alone against @extism/extism and a JS block store, see bench/host.bench.ts.
 * Run: npx bun bench/plugin-call.micro.ts
 * Reaches into a private field (pool): a measuring tool, not an API.
 */
import { join } from "node:path";
import { validateConfig } from "../src/config/load.ts";
import { startGateway } from "../src/gateway.ts";
import { CallState } from "../src/sandbox/call-state.ts";

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
runtime.pool.release(instance, true);
await gateway.stop();

process.exit(0);
