/**
 * The sandbox's one entry point for the rest of the gateway: run an export of a plugin under its limits.
 * In-process runtimes live here; process isolation (./process) implements the same interface.
 */
import { compilePlugin, type CompiledPlugin } from "./compile.ts";
import { CallState } from "./call-state.ts";
import { SandboxError, poisonsInstance, type SandboxFailure } from "./errors.ts";
import { InstancePool, type PoolStats } from "./pool.ts";
import { SandboxInstance, type HostFunctions } from "./instance.ts";
import { memoryPages, WASM_PAGE_BYTES, type PluginLimits } from "./limits.ts";

export interface RunOptions {
  signal?: AbortSignal;
  /** Context for ABI host functions (progress, logging, sampling) of this call. */
  bridge?: unknown;
}

export interface RunResult {
  output: Uint8Array | null;
  fuelUsed: number;
  durationMs: number;
}

export interface SandboxObserver {
  onCall(plugin: string, durationMs: number, fuelUsed: number, failure: SandboxFailure | null): void;
}

export interface PluginRuntime {
  readonly exports: readonly string[];
  run(exportName: string, input: Uint8Array | string, opts?: RunOptions): Promise<RunResult>;
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

  async run(exportName: string, input: Uint8Array | string, runOpts: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    let instance: SandboxInstance | undefined;
    let failure: SandboxFailure | null = null;
    let state: CallState | undefined;
    try {
      if (runOpts.signal?.aborted) throw new SandboxError("cancelled", "the call was cancelled by the client");
      instance = await this.pool.acquire();
      state = new CallState({
        timeoutMs: Math.max(1, this.opts.limits.timeoutMs - (performance.now() - started)),
        limitMs: this.opts.limits.timeoutMs,
        maxHostBytes: memoryPages(this.opts.limits) * WASM_PAGE_BYTES,
        fuelBudget: this.opts.limits.fuel,
        signal: runOpts.signal,
        bridge: runOpts.bridge,
      });
      const { output } = await instance.call(exportName, input, state);
      return { output, fuelUsed: state.fuelUsed, durationMs: performance.now() - started };
    } catch (err) {
      const error = err instanceof SandboxError ? err : new SandboxError("trap", (err as Error).message);
      failure = error.failure;
      throw error;
    } finally {
      if (instance) this.pool.release(instance, failure === null || !poisonsInstance(failure));
      this.opts.observer?.onCall(this.opts.name, performance.now() - started, state?.fuelUsed ?? 0, failure);
    }
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  close(): void {
    this.pool.close();
  }
}
