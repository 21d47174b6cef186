/**
 * The sandbox's one entry point for the rest of the gateway: run an export of a plugin under its limits.
 * In-process runtimes live here; process isolation (./process) implements the same interface.
 */
import { compilePlugin, type CompiledPlugin } from "./compile.ts";
import { CallState, type CancelSignal } from "./call-state.ts";
import { SandboxError, poisonsInstance, type SandboxFailure } from "./errors.ts";
import { InstancePool, type PoolStats } from "./pool.ts";
import { SandboxInstance, type CallOutcome, type HostFunctions } from "./instance.ts";
import { memoryPages, WASM_PAGE_BYTES, type PluginLimits } from "./limits.ts";

export interface RunOptions {
  signal?: CancelSignal;
  /** Context for ABI host functions (progress, logging, sampling) of this call. */
  bridge?: unknown;
  /** The calling tenant's config values and secrets, over the manifest's (src/config/tenants.ts). */
  config?: Readonly<Record<string, string>>;
  /** The calling tenant (Extism variables are kept per tenant). */
  tenant?: string;
  /** A lower wall-clock limit for this call than the plugin's own (a tenant's share); never a higher one. */
  timeoutMs?: number;
  /**
   * The caller decodes the output as UTF-8 anyway: a runtime may then set `RunResult.text` (decoded straight
   * from the guest's memory, one copy fewer) instead of `output`. Runtimes that cannot still set `output`.
   */
  textOutput?: boolean;
}

/** The plugin's timeout, or the call's lower one. */
export const effectiveTimeoutMs = (limitMs: number, runOpts: RunOptions): number =>
  runOpts.timeoutMs !== undefined && runOpts.timeoutMs < limitMs ? runOpts.timeoutMs : limitMs;

export interface RunResult {
  /** The output's bytes (null if none, or when `text` carries it). */
  output: Uint8Array | null;
  /** The output as text, when the call asked for it (RunOptions.textOutput) and the runtime could; null if none. */
  text?: string | null;
  fuelUsed: number;
  durationMs: number;
}

export interface SandboxObserver {
  onCall(plugin: string, durationMs: number, fuelUsed: number, failure: SandboxFailure | null): void;
}

export interface PluginRuntime {
  readonly exports: readonly string[];
  /** Failures always reject; a result may come back as a plain value when the call never waited (in-process). */
  run(exportName: string, input: Uint8Array | string, opts?: RunOptions): RunResult | Promise<RunResult>;
  stats(): PoolStats;
  close(): void;
}

export interface RuntimeOptions {
  name: string;
  limits: PluginLimits;
  config: Record<string, string>;
  allowedHosts: string[];
  /** Host imports for the module, chosen once its import list is known. */
  hostFunctions: (imports: readonly WebAssembly.ModuleImportDescriptor[]) => HostFunctions;
  logger: Console;
  observer?: SandboxObserver;
}

export class InProcessRuntime implements PluginRuntime {
  private constructor(
    private readonly compiled: CompiledPlugin,
    private readonly pool: InstancePool,
    private readonly opts: RuntimeOptions,
  ) {}

  get exports(): readonly string[] {
    return this.compiled.exports;
  }

  /** Compiles (cached), instantiates one instance to prove the plugin loads, and returns the runtime. */
  static async load(bytes: Uint8Array, opts: RuntimeOptions): Promise<InProcessRuntime> {
    const pages = memoryPages(opts.limits);
    const compiled = await compilePlugin(bytes, pages);
    const instanceOptions = {
      pluginName: opts.name,
      maxGuestBytes: pages * WASM_PAGE_BYTES,
      maxOutputBytes: opts.limits.maxOutputBytes,
      config: opts.config,
      allowedHosts: opts.allowedHosts,
      hostFunctions: opts.hostFunctions(compiled.imports),
      logger: opts.logger,
    };
    const pool = new InstancePool(
      opts.name,
      () => SandboxInstance.create(compiled, instanceOptions),
      opts.limits.maxConcurrent,
      opts.limits.maxQueue,
    );
    await pool.warm();
    return new InProcessRuntime(compiled, pool, opts);
  }

  /**
   * Resolves to the call's result; failures always reject. When an instance is idle and the guest finishes
   * without suspending (the usual call), the result is returned as it is, not as a promise: the instance
   * goes back to the pool in the same tick, and the caller skips an await (SandboxInstance.call says why).
   */
  run(exportName: string, input: Uint8Array | string, runOpts: RunOptions = {}): RunResult | Promise<RunResult> {
    const started = performance.now();
    if (runOpts.signal?.aborted) return this.failed(started, undefined, undefined, new SandboxError("cancelled", "the call was cancelled by the client"));
    const idle = this.pool.tryAcquire();
    if (idle) return this.runOn(idle, exportName, input, runOpts, started);
    return this.pool.acquire().then(
      (instance) => this.runOn(instance, exportName, input, runOpts, started),
      (err) => this.failed(started, undefined, undefined, err),
    );
  }

  private runOn(instance: SandboxInstance, exportName: string, input: Uint8Array | string, runOpts: RunOptions, started: number): RunResult | Promise<RunResult> {
    let state: CallState | undefined;
    let outcome: ReturnType<SandboxInstance["call"]>;
    try {
      const limitMs = effectiveTimeoutMs(this.opts.limits.timeoutMs, runOpts);
      state = new CallState({
        timeoutMs: Math.max(1, limitMs - (performance.now() - started)),
        limitMs,
        maxHostBytes: memoryPages(this.opts.limits) * WASM_PAGE_BYTES,
        fuelBudget: this.opts.limits.fuel,
        signal: runOpts.signal,
        bridge: runOpts.bridge,
        config: runOpts.config,
        tenant: runOpts.tenant,
        textOutput: runOpts.textOutput,
      });
      outcome = instance.call(exportName, input, state);
    } catch (err) {
      return this.failed(started, instance, state, err);
    }
    const done = state;
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => this.succeeded(started, instance, done, result),
        (err) => this.failed(started, instance, done, err),
      );
    }
    return this.succeeded(started, instance, done, outcome);
  }

  private succeeded(started: number, instance: SandboxInstance, state: CallState, outcome: CallOutcome): RunResult {
    const durationMs = performance.now() - started;
    this.pool.release(instance, true);
    this.opts.observer?.onCall(this.opts.name, durationMs, state.fuelUsed, null);
    return { output: outcome.output, text: outcome.text, fuelUsed: state.fuelUsed, durationMs };
  }

  private failed(started: number, instance: SandboxInstance | undefined, state: CallState | undefined, err: unknown): Promise<never> {
    const error = err instanceof SandboxError ? err : new SandboxError("trap", (err as Error).message);
    if (instance) this.pool.release(instance, !poisonsInstance(error.failure));
    this.opts.observer?.onCall(this.opts.name, performance.now() - started, state?.fuelUsed ?? 0, error.failure);
    return Promise.reject(error);
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  close(): void {
    this.pool.close();
  }
}
