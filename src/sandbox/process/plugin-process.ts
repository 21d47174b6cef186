/**
 * The gateway's handle on one plugin child process: spawn + load, one call at a time over IPC, host
 * functions relayed to the call's bridge, and the watchdogs that make the process boundary worth having:
 * the deadline and cancellation end a call with SIGKILL (Bun cannot stop wasm any other way), and so does
 * a resident set past its bound. An exit nobody asked for fails the call in flight.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import type { CallState } from "../call-state.ts";
import { SandboxError } from "../errors.ts";
import type { CallOutcome } from "../instance.ts";
import type { ParentHost } from "./host-relay.ts";
import type { FromChild, ToChild } from "./protocol.ts";
import { residentBytes } from "./rss.ts";

const CHILD_ENTRY = join(import.meta.dir, "child.ts");
/** Past the deadline the child gets this long to deliver an answer already on its way, then it is killed. */
export const KILL_GRACE_MS = 10;
/** A child that has not loaded its plugin by then (a start function that never returns...) is killed. */
const LOAD_TIMEOUT_MS = 30_000;
/** How often a child's RSS is read (~6 µs per read from /proc; per call it would cost ~20 µs, measured). */
const RSS_CHECK_MS = 50;

export type InitMessage = Extract<ToChild, { t: "init" }>;

export interface ProcessHooks {
  host: ParentHost;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  /** Resident-set bound in bytes; 0 = unchecked. */
  maxRssBytes: number;
}

interface InFlight {
  state: CallState;
  resolve(outcome: CallOutcome): void;
  reject(err: SandboxError): void;
}

export class PluginProcess {
  /** Set once the process is gone or going; a dead handle is never given another call. */
  dead = false;
  exports: string[] = [];
  /** When the plugin finished loading (performance.now()); a call's budget does not pay for the spawn. */
  readyAt = Infinity;
  private current: InFlight | null = null;
  private loading: { resolve(): void; reject(err: Error): void } | null = null;
  private readonly proc: Subprocess<"ignore", "ignore", "inherit">;
  private readonly rssTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly hooks: ProcessHooks) {
    this.proc = Bun.spawn([process.execPath, "--smol", CHILD_ENTRY], {
      stdio: ["ignore", "ignore", "inherit"], // stderr: a Bun crash report in the child is worth seeing
      env: {}, // untrusted code gets none of the gateway's secrets, even indirectly
      serialization: "advanced",
      ipc: (message: FromChild) => this.onMessage(message),
      onExit: (_p, exitCode, signalCode) => this.onExit(exitCode, signalCode),
    });
    // Polled for the child's whole life, not per call: no timer to set up on the hot path.
    if (hooks.maxRssBytes > 0) {
      this.rssTimer = setInterval(() => this.checkRss(), RSS_CHECK_MS);
      this.rssTimer.unref();
    }
  }

  /** Spawns a child and loads the plugin in it; rejects with the plugin's load error. */
  static async start(init: InitMessage, hooks: ProcessHooks): Promise<PluginProcess> {
    const child = new PluginProcess(hooks);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve, reject) => {
      child.loading = { resolve, reject };
      timer = setTimeout(() => reject(new Error(`the plugin process did not load the plugin within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      child.proc.send(init);
    })
      .catch((err) => {
        child.kill();
        throw err;
      })
      .finally(() => clearTimeout(timer));
    return child;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Runs one export. `state` carries the deadline, cancellation and bridge, as in-process. */
  call(fn: string, input: Uint8Array | string, state: CallState): Promise<CallOutcome> {
    if (this.dead) return Promise.reject(new SandboxError("unavailable", "the plugin process is gone"));
    return new Promise<CallOutcome>((resolve, reject) => {
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => this.fail(new SandboxError("cancelled", "the call was cancelled by the client"));
      const done = () => {
        clearTimeout(deadline);
        state.signal?.removeEventListener("abort", onAbort);
        this.current = null;
      };
      this.current = {
        state,
        resolve: (outcome) => (done(), resolve(outcome)),
        reject: (err) => (done(), reject(err)),
      };
      deadline = setTimeout(() => {
        try {
          state.check(Infinity); // the same timeout error, worded as in-process
        } catch (err) {
          this.fail(err as SandboxError);
        }
      }, Math.max(0, state.deadline - performance.now()) + KILL_GRACE_MS);
      state.signal?.addEventListener("abort", onAbort, { once: true });
      this.proc.send({ t: "call", fn, input, config: state.config, tenant: state.tenant } satisfies ToChild);
    });
  }

  /** Ends the call in flight with `err` and SIGKILLs the process (its state can no longer be trusted). */
  fail(err: SandboxError): void {
    const call = this.current;
    this.kill();
    call?.reject(err);
  }

  kill(): void {
    this.dead = true;
    clearInterval(this.rssTimer);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }

  close(): void {
    this.kill();
  }

  /** Past the bound: the call in flight (if any) fails with a memory error; an idle child is just killed. */
  private checkRss(): void {
    const rss = residentBytes(this.proc.pid);
    if (rss === null || rss <= this.hooks.maxRssBytes) return;
    const mb = (n: number) => Math.round(n / 1048576);
    const message = `the plugin's process grew to ${mb(rss)} MB resident, more than its ${mb(this.hooks.maxRssBytes)} MB bound`;
    if (!this.current) this.hooks.log("warn", `${message}; killed it`);
    this.fail(new SandboxError("memory", message));
  }

  private onMessage(m: FromChild): void {
    if (this.dead) return; // anything after a kill belongs to a call already failed
    switch (m.t) {
      case "ready":
        this.exports = m.exports;
        this.readyAt = performance.now();
        this.loading?.resolve();
        this.loading = null;
        return;
      case "load_failed":
        this.loading?.reject(new Error(m.message));
        this.loading = null;
        return;
      case "result":
        this.current?.resolve({ output: m.output, fuelUsed: m.fuelUsed });
        return;
      case "failed": {
        const call = this.current;
        if (!call) return;
        // The child's deadline is a backstop set later than ours; report its timeout in the parent's words.
        if (m.failure === "timeout") {
          try {
            call.state.check(Infinity);
          } catch (err) {
            return call.reject(err as SandboxError);
          }
        }
        call.reject(new SandboxError(m.failure, m.message));
        return;
      }
      case "notify":
        try {
          this.hooks.host.notify(m.fn, m.arg, this.current?.state.bridge);
        } catch (err) {
          this.hooks.log("warn", `host function ${m.fn} failed: ${(err as Error).message}`);
        }
        return;
      case "ask": {
        const call = this.current;
        const answer = (message: ToChild) => {
          if (this.current === call && !this.dead) this.proc.send(message);
        };
        this.hooks.host.ask(m.fn, m.arg, call?.state.bridge).then(
          (value) => answer({ t: "answer", id: m.id, ok: true, value: value ?? {} }),
          (err) => answer({ t: "answer", id: m.id, ok: false, message: (err as Error).message }),
        );
        return;
      }
      case "log":
        this.hooks.log(m.level, m.message);
        return;
    }
  }

  private onExit(exitCode: number | null, signalCode: NodeJS.Signals | number | null): void {
    const wasDead = this.dead;
    this.dead = true;
    clearInterval(this.rssTimer);
    const how = signalCode ? `signal ${signalCode}` : `exit code ${exitCode}`;
    this.loading?.reject(new Error(`the plugin process died while loading (${how})`));
    this.loading = null;
    // A kill of ours already failed its call; anything else is the process dying under the plugin.
    if (!wasDead) this.current?.reject(new SandboxError("trap", `the plugin process died (${how})`));
  }
}
