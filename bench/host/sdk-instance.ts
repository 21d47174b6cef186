/**
 * The call path as it was before src/sandbox/host (commit fc2a1aa): a plugin instance on @extism/extism
 * 2.0.0-rc13 with the same metered alloc and async refuel. Kept only so bench/host.bench.ts can measure
 * before and after in one run; nothing in src/ uses it.
 */
import createPlugin, { type CallContext, type Plugin } from "@extism/extism";
import { CallState } from "../../src/sandbox/call-state.ts";
import { FUEL_IMPORT, type CompiledPlugin } from "../../src/sandbox/compile.ts";
import { SandboxError } from "../../src/sandbox/errors.ts";
import { FUEL_SLICE, nextGrant, YIELD_AFTER_MS } from "../../src/sandbox/fuel.ts";

function meteredAlloc(context: CallContext, size: bigint): bigint {
  const state = context.hostContext<CallState>();
  const bytes = Number(size);
  state.hostBytes += bytes;
  if (state.hostBytes > state.opts.maxHostBytes) {
    throw (state.failure = new SandboxError("memory", `the plugin tried to hold ${state.hostBytes} bytes of host buffers`));
  }
  return context.alloc(bytes);
}

async function refuel(context: CallContext): Promise<bigint> {
  const state = context.hostContext<CallState | undefined>();
  if (!state) return BigInt(FUEL_SLICE);
  let now = performance.now();
  try {
    state.check(now);
    const grant = nextGrant(state);
    state.fuelGranted += grant;
    if (now - state.lastYield >= YIELD_AFTER_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      now = performance.now();
      state.lastYield = now;
      state.check(now);
    }
    return BigInt(grant);
  } catch (err) {
    if (!state.failure) state.failure = err instanceof SandboxError ? err : new SandboxError("trap", String(err));
    return -1n;
  }
}

export class SdkInstance {
  private constructor(
    private readonly plugin: Plugin,
    private readonly fuel: { get(): bigint; set(v: bigint): void },
  ) {}

  static async create(compiled: CompiledPlugin, maxOutputBytes: number): Promise<SdkInstance> {
    const plugin = await createPlugin(
      { wasm: [{ module: compiled.module }], memory: { maxHttpResponseBytes: maxOutputBytes } },
      {
        useWasi: compiled.usesWasi,
        enableWasiOutput: false,
        logger: console,
        logLevel: "info",
        functions: {
          [FUEL_IMPORT.module]: { [FUEL_IMPORT.name]: refuel },
          "extism:host/env": { alloc: meteredAlloc },
        },
      },
    );
    const exports = (await plugin.getInstance()).exports as any;
    return new SdkInstance(plugin, { get: exports.__mcp_fuel_get, set: exports.__mcp_fuel_set });
  }

  async call(exportName: string, input: string, state: CallState): Promise<Uint8Array | null> {
    const first = nextGrant(state);
    state.fuelGranted = first;
    this.fuel.set(BigInt(first));
    try {
      const output = await this.plugin.call(exportName, input, state);
      return output ? output.bytes() : null;
    } finally {
      state.fuelUsed = state.fuelGranted - Math.max(0, Number(this.fuel.get()));
    }
  }
}
