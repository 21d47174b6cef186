/**
 * `isolation: "process"`: a plugin served by a pool of child processes, same interface, limits and results
 * as InProcessRuntime, for code we trust less. Why a process: Bun cannot interrupt a worker stuck in wasm,
 * and in-process containment relies on our module rewrite being right; a process can always be SIGKILLed.
 *
 * Pool size = limits.maxConcurrent, queue = limits.maxQueue (the same InstancePool and "busy" error as
 * in-process). Children are spawned lazily, one at load so a broken plugin fails at load time. A child is
 * killed on deadline, cancellation, RSS over its bound or when it dies on its own, and a replacement is
 * spawned in the background so the next call finds a warm one.
 */
import { CallState } from "../call-state.ts";
import { SandboxError, type SandboxFailure } from "../errors.ts";
import { memoryPages, WASM_PAGE_BYTES, type PluginLimits } from "../limits.ts";
import { InstancePool, type PoolStats } from "../pool.ts";
import { effectiveTimeoutMs, type PluginRuntime, type RunOptions, type RunResult, type RuntimeOptions } from "../runtime.ts";
import { parentHostFor, relayPlan, type PluginHostOps } from "./host-relay.ts";
import { PluginProcess, type InitMessage } from "./plugin-process.ts";

const MB = 1024 * 1024;
/** A child's own footprint before the plugin's: Bun + JSC + Extism + the compiled module (measured ~50–60 MB). */
const RSS_BASE = 96 * MB;

/**
 * The resident set a child may reach (./rss.ts says why RSS and not a hard limit): its own footprint, guest
 * memory and host blocks (each capped at memoryMb by the in-process limits), output, and slack for garbage
 * not yet collected. Measured: a host-memory bomb against a 64 MB limit peaks at ~121 MB resident.
 */
export function maxRssBytes(limits: PluginLimits): number {
  return RSS_BASE + 3 * limits.memoryMb * MB + 2 * limits.maxOutputBytes;
}

export interface ProcessRuntimeOptions extends RuntimeOptions {
  /**
   * The plugin's own host functions (its granted capabilities). In-process they are linked through
   * `hostFunctions`; here the children relay calls to them and they run in the gateway, on the call's bridge.
   */
  pluginHostOps?: PluginHostOps;
}

export class ProcessRuntime implements PluginRuntime {
  private closed = false;

  private constructor(
    readonly exports: readonly string[],
    private readonly pool: InstancePool<PluginProcess>,
    /** Every child started and not yet known dead, for pids(). */
    private readonly children: Set<PluginProcess>,
    private readonly opts: RuntimeOptions,
  ) {}

  /** Starts one child that loads the plugin (so a broken plugin fails here) and returns the runtime. */
  static async load(bytes: Uint8Array, opts: ProcessRuntimeOptions): Promise<ProcessRuntime> {
    const init: InitMessage = {
      t: "init",
      name: opts.name,
      bytes,
      limits: opts.limits,
      config: opts.config,
      allowedHosts: opts.allowedHosts,
      relay: relayPlan(opts.pluginHostOps),
    };
    const hooks = {
      host: parentHostFor(opts.pluginHostOps),
      log: (level: "debug" | "info" | "warn" | "error", message: string) => opts.logger[level](message),
      maxRssBytes: maxRssBytes(opts.limits),
    };
    let runtime: ProcessRuntime | undefined;
    let exports: string[] = [];
    const children = new Set<PluginProcess>();
    const spawn = async () => {
      const child = await PluginProcess.start(init, hooks);
      // Unloaded while this one was starting (a background respawn): do not leave it running.
      if (runtime?.closed) {
        child.kill();
        throw new SandboxError("unavailable", `plugin "${opts.name}" was unloaded`);
      }
      exports = child.exports;
      children.add(child);
      return child;
    };
    const pool = new InstancePool<PluginProcess>(opts.name, spawn, opts.limits.maxConcurrent, opts.limits.maxQueue);
    await pool.warm();
    runtime = new ProcessRuntime(exports, pool, children, opts);
    return runtime;
  }

  async run(exportName: string, input: Uint8Array | string, runOpts: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    const limits = this.opts.limits;
    let child: PluginProcess | undefined;
    let failure: SandboxFailure | null = null;
    let fuelUsed = 0;
    try {
      if (runOpts.signal?.aborted) throw new SandboxError("cancelled", "the call was cancelled by the client");
      child = await this.acquire();
      // Cancelled while queued: nothing ran, the child stays (in-process, the first checkpoint sees it).
      if (runOpts.signal?.aborted) throw new SandboxError("cancelled", "the call was cancelled by the client");
      // Waiting for a busy child counts against the limit, as in-process; waiting for a spawn (~100-300 ms
      // on a loaded machine: Bun start + compiling the plugin) does not, it is the gateway's cost.
      const waited = performance.now() - Math.max(started, child.readyAt);
      const limitMs = effectiveTimeoutMs(limits.timeoutMs, runOpts);
      const state = new CallState({
        timeoutMs: Math.max(1, limitMs - waited),
        limitMs,
        maxHostBytes: memoryPages(limits) * WASM_PAGE_BYTES,
        fuelBudget: limits.fuel,
        signal: runOpts.signal,
        bridge: runOpts.bridge,
        config: runOpts.config,
        tenant: runOpts.tenant,
      });
      const outcome = await child.call(exportName, input, state);
      fuelUsed = outcome.fuelUsed;
      return { output: outcome.output, fuelUsed, durationMs: performance.now() - started };
    } catch (err) {
      const error = err instanceof SandboxError ? err : new SandboxError("trap", (err as Error).message);
      failure = error.failure;
      throw error;
    } finally {
      if (child) this.release(child);
      this.opts.observer?.onCall(this.opts.name, performance.now() - started, fuelUsed, failure);
    }
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Process ids of the live children (for operators and tests). */
  pids(): number[] {
    for (const child of this.children) if (child.dead) this.children.delete(child);
    return [...this.children].map((child) => child.pid);
  }

  close(): void {
    this.closed = true;
    this.pool.close();
  }

  /** A pooled child that is still alive (an idle one may have died, e.g. to the kernel's OOM killer). */
  private async acquire(): Promise<PluginProcess> {
    for (;;) {
      const child = await this.pool.acquire();
      if (!child.dead) return child;
      this.children.delete(child);
      this.pool.release(child, false);
    }
  }

  /**
   * Returns a child after a call. Failures the child reported (trap, fuel, memory caps) leave it healthy:
   * it rebuilt its own instance. A killed or dead child is replaced.
   */
  private release(child: PluginProcess): void {
    if (!child.dead) return this.pool.release(child, true);
    this.children.delete(child);
    const waiting = this.pool.stats().queued > 0;
    this.pool.release(child, false); // kills it; spawns a successor for the first waiter, if any
    // Nobody waiting: respawn now anyway, so the next call does not pay for a spawn and a compile.
    if (!waiting && !this.closed) {
      this.pool.warm().catch((err) => this.opts.logger.error(`respawning a process for plugin "${this.opts.name}" failed: ${(err as Error).message}`));
    }
  }
}
