/**
 * The per-call state the host keeps while a guest runs: its deadline, fuel budget and cancellation.
 *
 * Guests run on the main thread. Every few thousand instructions the injected fuel checkpoint calls
 * `refuel` (see ./fuel.ts), which is where a runaway call is stopped and where a long call yields
 * the event loop so other requests keep being served. A guest waiting in an async host function (a sampling
 * request, say) is stopped by racing that wait against the same deadline and cancellation.
 */
import { SandboxError } from "./errors.ts";

/**
 * What a call reads to learn that its client cancelled it. An AbortSignal is one; the gateway passes a
 * request's lazily made cancellation (src/session/cancellation.ts), so calls that never wait make no controller.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface CallStateOptions {
  /** Time left for this call (its limit minus any wait for an instance). */
  timeoutMs: number;
  /** The plugin's configured limit, for messages. */
  limitMs: number;
  /** Host-side Extism block bytes the call may hold at once. */
  maxHostBytes: number;
  fuelBudget: number | null;
  signal?: CancelSignal;
  /** Host-function context for the MCP ABIs (progress, logging, sampling...). Opaque to the sandbox core. */
  bridge?: unknown;
  /** The calling tenant's values, read by `config_get` before the manifest's (src/config/tenants.ts). */
  config?: Readonly<Record<string, string>>;
  /** The calling tenant: Extism variables are kept apart per tenant ("" when no principal, e.g. at load). */
  tenant?: string;
  /** Hand the output back decoded as text rather than as a copy of its bytes (RunOptions.textOutput). */
  textOutput?: boolean;
}

export class CallState {
  readonly startedAt = performance.now();
  readonly deadline: number;
  fuelGranted = 0;
  /** Set by the instance when the call ends (success or not). */
  fuelUsed = 0;
  /** Bytes of Extism blocks the call held when it ended (the limit is enforced as blocks are made, ./host). */
  hostBytes = 0;
  lastYield = this.startedAt;
  /** Set once the call must stop; every checkpoint and host function rethrows it. */
  failure: SandboxError | null = null;
  readonly signal: CancelSignal | undefined;
  readonly bridge: unknown;
  readonly config: Readonly<Record<string, string>> | undefined;
  readonly tenant: string;

  constructor(readonly opts: CallStateOptions) {
    this.deadline = this.startedAt + opts.timeoutMs;
    this.signal = opts.signal;
    this.bridge = opts.bridge;
    this.config = opts.config;
    this.tenant = opts.tenant ?? "";
  }

  /** Throws the reason the call must stop, if there is one. Cheap enough for every checkpoint. */
  check(now = performance.now()): void {
    if (this.failure) throw this.failure;
    if (this.signal?.aborted) throw (this.failure = new SandboxError("cancelled", "the call was cancelled by the client"));
    if (now >= this.deadline) {
      throw (this.failure = new SandboxError("timeout", `the plugin did not finish within its ${this.opts.limitMs} ms limit`));
    }
  }

  /**
   * Waits for `work` unless the deadline passes or the client cancels first. Used by host functions that
   * wait on the outside world, so a guest blocked in a host call is stopped like one stuck in a loop.
   */
  async guard<T>(work: Promise<T>): Promise<T> {
    this.check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        try {
          this.check(Infinity);
        } catch (err) {
          reject(err);
        }
      }, Math.max(0, this.deadline - performance.now()));
      onAbort = () => {
        try {
          this.check();
        } catch (err) {
          reject(err);
        }
      };
      this.signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal?.removeEventListener("abort", onAbort);
    }
  }
}
