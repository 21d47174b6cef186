/**
 * One live plugin instance built from a compiled module, on our own Extism host (./host): the guest's
 * `extism:host/env` memory functions are a small wasm kernel, the rest JS. Not reentrant: the pool hands
 * each instance to one call at a time.
 */
import type { CallState } from "./call-state.ts";
import type { CompiledPlugin } from "./compile.ts";
import { FUEL_IMPORT } from "./compile.ts";
import { SandboxError } from "./errors.ts";
import { FUEL_SLICE, nextGrant } from "./fuel.ts";
import { GuestHost } from "./host/host.ts";
import { jspi } from "./host/jspi.ts";
import { WasiExit } from "./host/wasi.ts";

export type { HostContext, HostFunction, HostFunctions } from "./host/context.ts";
import type { HostFunctions } from "./host/context.ts";

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
  /** The output's bytes; null when the guest set none, or when the call asked for `text` instead. */
  output: Uint8Array | null;
  /** The output as UTF-8 text, only when the call asked for it (CallStateOptions.textOutput); null if none. */
  text?: string | null;
  fuelUsed: number;
}

/** The usual first allotment, as the BigInt the fuel setter takes (one less allocation per call). */
const SLICE = BigInt(FUEL_SLICE);

export class SandboxInstance {
  /** One WebAssembly.promising wrapper per export, made on first use (JSPI: async imports may suspend). */
  private readonly callables = new Map<string, () => Promise<number>>();

  private constructor(
    private readonly host: GuestHost,
    private readonly exports: WebAssembly.Exports,
    private readonly fuel: FuelCounter,
    private readonly memory: WebAssembly.Memory | undefined,
    private readonly opts: InstanceOptions,
  ) {}

  static async create(compiled: CompiledPlugin, opts: InstanceOptions): Promise<SandboxInstance> {
    const host = new GuestHost({
      config: opts.config,
      allowedHosts: opts.allowedHosts,
      logger: opts.logger,
      maxBytes: opts.maxGuestBytes,
      maxResponseBytes: opts.maxOutputBytes,
    });
    let memory: WebAssembly.Memory | undefined;
    const imports = host.imports(compiled.imports, opts.hostFunctions, () => memory);
    const instance = await WebAssembly.instantiate(compiled.module, imports);
    const exports = instance.exports;
    memory = Object.values(exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
    const get = exports[`${FUEL_IMPORT.exportName}_get`];
    const set = exports[`${FUEL_IMPORT.exportName}_set`];
    if (typeof get !== "function" || typeof set !== "function") {
      throw new Error(`instrumented module does not export ${FUEL_IMPORT.exportName}_get/_set`);
    }
    initialize(exports, compiled.usesWasi);
    return new SandboxInstance(host, exports, { get: get as FuelCounter["get"], set: set as FuelCounter["set"] }, memory, opts);
  }

  hasExport(name: string): Promise<boolean> {
    return Promise.resolve(typeof this.exports[name] === "function");
  }

  /**
   * Runs one export. Resolves to its outcome or rejects with a SandboxError; any failure but a
   * plugin-reported error poisons the instance.
   *
   * When the guest finishes without suspending (no yield due, no async host function: the usual call) the
   * outcome is returned as it is, not wrapped in a promise. Why: on this path each promise and await measured
   * ~0.5–1 µs, and settling in the same tick lets the pool hand this instance to the next request instead of
   * growing to maxConcurrent instances under load (bench/RESULTS.md, "Edge and call path"). Failures are
   * always a rejected promise, never a synchronous throw.
   */
  call(exportName: string, input: Uint8Array | string, state: CallState): CallOutcome | Promise<CallOutcome> {
    const { host } = this;
    let running: Promise<number>;
    try {
      const run = this.callable(exportName);
      const first = nextGrant(state);
      state.fuelGranted = first;
      this.fuel.set(first === FUEL_SLICE ? SLICE : BigInt(first));
      host.state = state;
      host.kernel.begin(input, state.opts.maxHostBytes);
      running = run();
    } catch (err) {
      return this.failed(err, state);
    }
    // A JSPI promise is already settled when the guest never suspended: Bun.peek reads it without a tick.
    switch (Bun.peek.status(running)) {
      case "fulfilled":
        return this.finished(state);
      case "rejected": {
        const err = Bun.peek(running);
        running.catch(() => {}); // handled right here
        return this.failed(err, state);
      }
      default:
        return running.then(
          () => this.finished(state),
          (err) => this.failed(err, state),
        );
    }
  }

  /** After the export returned: the outcome, or a rejection for what the call did wrong meanwhile. */
  private finished(state: CallState): CallOutcome | Promise<never> {
    this.settle(state);
    // A guest with an exception handler can catch what a host function threw and return normally;
    // the call still failed.
    if (state.failure) return Promise.reject(state.failure);
    const { kernel } = this.host;
    // As the SDK: an error_set message fails the call whatever the export returned.
    const error = kernel.error();
    if (error !== null) return Promise.reject(new SandboxError("plugin_error", error));
    const length = kernel.outputLength();
    if (length > this.opts.maxOutputBytes) {
      return Promise.reject(
        new SandboxError("output_too_large", `the plugin returned ${length} bytes, more than its limit of ${this.opts.maxOutputBytes} bytes`),
      );
    }
    if (state.opts.textOutput) return { output: null, text: kernel.outputText(), fuelUsed: state.fuelUsed };
    return { output: kernel.output(), fuelUsed: state.fuelUsed };
  }

  private failed(err: unknown, state: CallState): Promise<never> {
    const error = this.explain(err, state);
    if (this.host.state === state) this.settle(state);
    return Promise.reject(error);
  }

  /** Ends the call's accounting, whether it succeeded or not. */
  private settle(state: CallState): void {
    // Counted on failures too: a call stopped by its budget used all of it. A trapped guest may leave
    // the counter negative; what it was granted is then what it used.
    state.fuelUsed = state.fuelGranted - Math.max(0, Number(this.fuel.get()));
    state.hostBytes = this.host.kernel.held();
    this.host.state = null;
  }

  private callable(name: string): () => Promise<number> {
    let run = this.callables.get(name);
    if (!run) {
      const fn = this.exports[name];
      if (typeof fn !== "function") throw new SandboxError("trap", `the plugin has no function "${name}"`);
      run = jspi.promising(fn as () => number);
      this.callables.set(name, run);
    }
    return run;
  }

  /** Turns whatever the call threw into a SandboxError a person can act on. */
  private explain(err: unknown, state: CallState): SandboxError {
    if (state.failure) return state.failure;
    if (err instanceof SandboxError) return err;
    const message = err instanceof Error ? err.message : String(err);
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
    // A Rust guest that panics sets the Extism error (our PDK's panic hook) and then traps: say both.
    const reported = this.host.kernel.error();
    return new SandboxError("trap", `the plugin crashed: ${message}${reported ? ` (${reported})` : ""}`);
  }

  async close(): Promise<void> {
    this.callables.clear();
  }
}

/**
 * Runs the guest's initialiser once, as the SDK did. Without WASI: `hs_init` (GHC), else `_initialize`
 * (reactor), else `_start` (command). With WASI: `_initialize` then `hs_init` (a WASI command's _start is
 * its main, which the SDK did not run). A proc_exit(0) there is a normal end.
 */
function initialize(exports: WebAssembly.Exports, wasi: boolean): void {
  const has = (name: string) => typeof exports[name] === "function";
  const order = wasi ? ["_initialize", "hs_init"] : [["hs_init", "_initialize", "_start"].find(has) ?? ""];
  try {
    for (const name of order) if (has(name)) (exports[name] as () => void)();
  } catch (err) {
    if (!(err instanceof WasiExit && err.code === 0)) throw err;
  }
}
