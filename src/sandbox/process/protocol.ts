/**
 * The messages between the gateway and a plugin child process (Bun IPC, "advanced" serialization so plugin
 * bytes, inputs and outputs travel as Uint8Array without base64). A child serves one call at a time, so a
 * host message always belongs to the call in flight; ids only match host requests to their answers.
 */
import type { SandboxFailure } from "../errors.ts";
import type { PluginLimits } from "../limits.ts";
import type { RelayPlan } from "./host-relay.ts";

/** Parent -> child. */
export type ToChild =
  /** First message: load the plugin (compile + one instance), then answer `ready` or `load_failed`. */
  | {
      t: "init";
      name: string;
      bytes: Uint8Array;
      limits: PluginLimits;
      config: Record<string, string>;
      allowedHosts: string[];
      /** The plugin's own host functions (its granted capabilities) to relay; absent: hyper-mcp's only. */
      relay?: RelayPlan;
    }
  /** `config` and `tenant`: the calling tenant's values over the manifest's, and whose variables to use. */
  | { t: "call"; fn: string; input: Uint8Array | string; config?: Readonly<Record<string, string>>; tenant: string }
  /** Answer to an `ask`: the JSON value for the guest, or the error its host function throws. */
  | { t: "answer"; id: number; ok: true; value: unknown }
  | { t: "answer"; id: number; ok: false; message: string };

/** Child -> parent. */
export type FromChild =
  | { t: "ready"; exports: string[] }
  | { t: "load_failed"; message: string }
  | { t: "result"; output: Uint8Array | null; fuelUsed: number }
  | { t: "failed"; failure: SandboxFailure; message: string }
  /** A one-way host function (progress, logging, list_changed...), argument already parsed and checked. */
  | { t: "notify"; fn: string; arg: Record<string, unknown> }
  /** A host function that answers the guest: one waiting for the client (sampling, elicitation, roots) or a capability's. */
  | { t: "ask"; id: number; fn: string; arg: Record<string, unknown> }
  /** A line the plugin logged through Extism's log_* functions. */
  | { t: "log"; level: "debug" | "info" | "warn" | "error"; message: string };
