/**
 * One live Extism plugin instance built from a compiled module. Not reentrant: the pool hands each
 * instance to one call at a time.
 */
import createPlugin, { type CallContext, type Plugin } from "@extism/extism";
import type { CompiledPlugin } from "./compile.ts";
import { FUEL_IMPORT } from "./compile.ts";
import { CallState } from "./call-state.ts";
import { SandboxError } from "./errors.ts";
import { nextGrant, refuel } from "./fuel.ts";

const EXTISM_ENV = "extism:host/env";

/**
 * The guest's `alloc`, with the call's host-side bytes capped by the plugin's memory limit. The SDK's own
 * cap (memory.maxPages) allocates before checking, rescans every block on each call, and returns 0 instead
 * of failing, so a guest ignoring the 0 could loop allocating until its deadline; this fails the call at once.
 */
function meteredAlloc(context: CallContext, size: bigint): bigint {
  const state = context.hostContext<CallState>();
  const bytes = Number(size);
  state.hostBytes += bytes;
  if (state.hostBytes > state.opts.maxHostBytes) {
    throw (state.failure = new SandboxError(
      "memory",
      `the plugin tried to hold ${state.hostBytes} bytes of host buffers, more than its ${Math.round(state.opts.maxHostBytes / 1048576)} MB memory limit`,
    ));
  }
  return context.alloc(bytes);
}

export type HostFunction = (context: CallContext, ...args: any[]) => unknown;
/** Extra host imports by namespace, e.g. the hyper-mcp ABI's "extism:host/user" functions. */
export type HostFunctions = Record<string, Record<string, HostFunction>>;

export interface InstanceOptions {
  pluginName: string;
  maxGuestBytes: number;
  maxOutputBytes: number;
  config: Record<string, string>;
  allowedHosts: string[];
  hostFunctions: HostFunctions;
  logger: Console;
}

interface FuelCounter {
  get(): bigint;
  set(value: bigint): void;
}

export interface CallOutcome {
  output: Uint8Array | null;
  fuelUsed: number;
}

export class SandboxInstance {
  private constructor(
    private readonly plugin: Plugin,
    private readonly fuel: FuelCounter,
    private readonly memory: WebAssembly.Memory | undefined,
    private readonly opts: InstanceOptions,
  ) {}

  static async create(compiled: CompiledPlugin, opts: InstanceOptions): Promise<SandboxInstance> {
    const plugin = await createPlugin(
      { wasm: [{ module: compiled.module }], memory: { maxHttpResponseBytes: opts.maxOutputBytes } },
      {
        useWasi: compiled.usesWasi,
        enableWasiOutput: false,
        config: opts.config,
        allowedHosts: opts.allowedHosts,
        logger: opts.logger,
        logLevel: "info",
        functions: {
          ...opts.hostFunctions,
          [FUEL_IMPORT.module]: { [FUEL_IMPORT.name]: refuel },
          // Replaces the SDK's alloc (same namespace) so host-side blocks count against the memory limit.
          [EXTISM_ENV]: { alloc: meteredAlloc },
        },
      },
    );
    const instance = await plugin.getInstance();
    const get = instance.exports[`${FUEL_IMPORT.exportName}_get`];
    const set = instance.exports[`${FUEL_IMPORT.exportName}_set`];
    if (typeof get !== "function" || typeof set !== "function") {
      throw new Error(`instrumented module does not export ${FUEL_IMPORT.exportName}_get/_set`);
    }
    const fuel = { get: get as FuelCounter["get"], set: set as FuelCounter["set"] };
    const memory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
    return new SandboxInstance(plugin, fuel, memory, opts);
  }

  hasExport(name: string): Promise<boolean> {
    return this.plugin.functionExists(name);
  }

  /** Runs one export. Throws SandboxError; any failure but a plugin-reported error poisons the instance. */
  async call(exportName: string, input: Uint8Array | string, state: CallState): Promise<CallOutcome> {
    const first = nextGrant(state);
    state.fuelGranted = first;
    this.fuel.set(BigInt(first));
    let output;
    try {
      output = await this.plugin.call(exportName, input, state);
    } catch (err) {
      throw this.explain(err, state);
    } finally {
      // Counted on failures too: a call stopped by its budget used all of it. A trapped guest may leave
      // the counter negative; what it was granted is then what it used.
      state.fuelUsed = state.fuelGranted - Math.max(0, Number(this.fuel.get()));
    }
    // A guest with an exception handler can catch what a host function threw and return normally;
    // the call still failed.
    if (state.failure) throw state.failure;
    const bytes = output ? output.bytes() : null;
    if (bytes && bytes.byteLength > this.opts.maxOutputBytes) {
      throw new SandboxError(
        "output_too_large",
        `the plugin returned ${bytes.byteLength} bytes, more than its limit of ${this.opts.maxOutputBytes} bytes`,
      );
    }
    return { output: bytes, fuelUsed: state.fuelUsed };
  }

  /** Turns whatever the call threw into a SandboxError a person can act on. */
  private explain(err: unknown, state: CallState): SandboxError {
    if (state.failure) return state.failure;
    if (err instanceof SandboxError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const pluginPrefix = "Plugin-originated error: ";
    if (message.startsWith(pluginPrefix)) return new SandboxError("plugin_error", message.slice(pluginPrefix.length));
    // A guest whose memory.grow failed usually aborts with `unreachable`; a crash with most of the memory
    // limit in use is reported as what it almost certainly is.
    const used = this.memory?.buffer.byteLength ?? 0;
    if (used >= this.opts.maxGuestBytes * 0.5) {
      const mb = (n: number) => (n / 1048576).toFixed(1);
      return new SandboxError(
        "memory",
        `the plugin crashed after using ${mb(used)} MB of its ${mb(this.opts.maxGuestBytes)} MB memory limit, most likely out of memory (${message})`,
      );
    }
    if (err instanceof RangeError && /call stack/i.test(message)) {
      return new SandboxError("trap", "the plugin crashed: stack overflow (infinite recursion?)");
    }
    return new SandboxError("trap", `the plugin crashed: ${message}`);
  }

  async close(): Promise<void> {
    await this.plugin.close().catch(() => {});
  }
}
