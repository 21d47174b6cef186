/**
 * Entry point of a plugin child process (spawned by ./plugin-process.ts with Bun IPC).
 *
 * It loads the plugin once with the ordinary in-process machinery (compile + instrument, one instance,
 * fuel, memory caps, output limit all apply here as in the gateway) and serves one call at a time. Its own
 * deadline is only a backstop: the parent SIGKILLs it at the real deadline. Host functions are relayed to
 * the parent, which owns the MCP session and runs the plugin's granted capabilities. Nothing here trusts
 * the plugin more than in-process does; the process boundary is extra: a wedged or bloated child is killed
 * without touching the gateway.
 */
import { SandboxError } from "../errors.ts";
import { InProcessRuntime } from "../runtime.ts";
import { relayedHostFunctions } from "./host-relay.ts";
import type { FromChild, ToChild } from "./protocol.ts";

/** How much later than the parent's kill the child gives up on its own (only matters if the parent stalls). */
export const CHILD_BACKSTOP_MS = 250;

const send = (message: FromChild) => void process.send!(message);
const pendingAsks = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
let nextAsk = 1;
let runtime: InProcessRuntime | undefined;

function ask(fn: string, arg: Record<string, unknown>): Promise<unknown> {
  const id = nextAsk++;
  return new Promise((resolve, reject) => {
    pendingAsks.set(id, { resolve, reject });
    send({ t: "ask", id, fn, arg });
  });
}

/** Extism's log_* calls, forwarded to the gateway's logger (the child has no log sink of its own). */
const text = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
const logger = {
  log: (...a: unknown[]) => send({ t: "log", level: "info", message: text(a) }),
  info: (...a: unknown[]) => send({ t: "log", level: "info", message: text(a) }),
  debug: (...a: unknown[]) => send({ t: "log", level: "debug", message: text(a) }),
  trace: (...a: unknown[]) => send({ t: "log", level: "debug", message: text(a) }),
  warn: (...a: unknown[]) => send({ t: "log", level: "warn", message: text(a) }),
  error: (...a: unknown[]) => send({ t: "log", level: "error", message: text(a) }),
} as unknown as Console;

async function init(m: Extract<ToChild, { t: "init" }>): Promise<void> {
  try {
    runtime = await InProcessRuntime.load(m.bytes, {
      name: m.name,
      // One call at a time (the parent queues); the parent enforces the real deadline.
      limits: { ...m.limits, maxConcurrent: 1, maxQueue: 0, timeoutMs: m.limits.timeoutMs + CHILD_BACKSTOP_MS },
      config: m.config,
      allowedHosts: m.allowedHosts,
      hostFunctions: (imports) => relayedHostFunctions(imports, (fn, arg) => send({ t: "notify", fn, arg }), ask, m.relay),
      logger,
    });
    send({ t: "ready", exports: [...runtime.exports] });
  } catch (err) {
    send({ t: "load_failed", message: (err as Error).message });
  }
}

async function call(m: Extract<ToChild, { t: "call" }>): Promise<void> {
  try {
    if (!runtime) throw new SandboxError("unavailable", "the plugin process is not loaded");
    const { output, fuelUsed } = await runtime.run(m.fn, m.input, { config: m.config, tenant: m.tenant });
    send({ t: "result", output, fuelUsed });
  } catch (err) {
    const e = err instanceof SandboxError ? err : new SandboxError("trap", (err as Error).message);
    send({ t: "failed", failure: e.failure, message: e.message });
  }
}

process.on("message", (m: ToChild) => {
  switch (m.t) {
    case "init":
      return void init(m);
    case "call":
      return void call(m);
    case "answer": {
      const pending = pendingAsks.get(m.id);
      pendingAsks.delete(m.id);
      if (m.ok) pending?.resolve(m.value);
      else pending?.reject(new Error(m.message));
      return;
    }
  }
});
// The gateway went away (crash, SIGKILL): nobody will ever read our answers.
process.on("disconnect", () => process.exit(0));
