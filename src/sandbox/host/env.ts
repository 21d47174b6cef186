/**
 * The `extism:host/env` functions written in JS: config values, per-instance variables, logging. They run
 * a few times per call at most (the per-word memory traffic is in the kernel, ./kernel.wat), so they favour
 * plain code over speed. Semantics follow the @extism/extism SDK (2.0.0-rc13) a guest was built against:
 * docs/plugin-abi.md §1.2.
 */
import type { CallState } from "../call-state.ts";
import { SandboxError } from "../errors.ts";
import type { Kernel } from "./kernel.ts";

/** Log levels as Extism numbers them (get_log_level answers with one). */
const LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 } as const;
type Level = keyof typeof LEVELS;
/** What the gateway forwards: info and up, as the SDK was configured before (`logLevel: "info"`). */
export const LOG_LEVEL = LEVELS.info;

export interface EnvHost {
  readonly kernel: Kernel;
  readonly logger: Console;
  /** Manifest config values, encoded once per instance. */
  readonly config: ReadonlyMap<string, Uint8Array>;
  /**
   * Variables: they outlive calls, for the life of the instance (as in the SDK) — but one pooled instance
   * serves every tenant, so they are kept per tenant (the call's `tenant`): one tenant's calls never see
   * another's. A nested Map, not a joined key, so no key a guest makes up can name another tenant's.
   */
  readonly vars: Map<string, Map<string, Uint8Array>>;
  /** The call in flight: its tenant's config values come first (src/config/tenants.ts). */
  readonly state: Pick<CallState, "config" | "tenant"> | null;
  /** Bytes all variables together may hold (the plugin's memory limit). */
  readonly maxVarBytes: number;
  /** Fails the call in flight with `error` (remembered, so a guest catching the throw still fails). */
  fail(error: SandboxError): never;
}

const toHandle = (at: number): bigint => (at === 0 ? 0n : BigInt(at));

export function envFunctions(host: EnvHost): Record<string, Function> {
  const { kernel, logger } = host;
  let varBytes = 0;

  /** The calling tenant's variables ("" outside a call's principal, e.g. while the plugin is described). */
  const tenantVars = (create: boolean): Map<string, Uint8Array> | undefined => {
    const tenant = host.state?.tenant ?? "";
    let vars = host.vars.get(tenant);
    if (vars === undefined && create) host.vars.set(tenant, (vars = new Map()));
    return vars;
  };

  /** Reads a key block and frees it, as the SDK's config_get and var_get do. */
  const takeKey = (handle: bigint): string | undefined => {
    const key = kernel.text(handle);
    if (key !== undefined) kernel.free(handle);
    return key;
  };

  const log = (level: Level) => (handle: bigint) => {
    const text = kernel.text(handle);
    if (text === undefined) {
      logger.error(`plugin log_${level}: not a block (handle 0x${handle.toString(16)})`);
      return;
    }
    kernel.free(handle); // the SDK frees a logged block; our PDK frees it again, which is harmless
    if (LEVELS[level] >= LOG_LEVEL) logger[level](text);
  };

  return {
    config_get(keyHandle: bigint): bigint {
      const key = takeKey(keyHandle);
      if (key === undefined) return 0n;
      // The calling tenant's value (config or secret) over the manifest's. Own keys only: a guest asking
      // for "__proto__" or "toString" gets nothing, not an object's prototype.
      const own = host.state?.config;
      if (own !== undefined && Object.hasOwn(own, key)) return toHandle(kernel.store(own[key]!));
      const value = host.config.get(key);
      return value === undefined ? 0n : toHandle(kernel.store(value));
    },

    var_get(keyHandle: bigint): bigint {
      const key = takeKey(keyHandle);
      const value = key === undefined ? undefined : tenantVars(false)?.get(key);
      return value === undefined ? 0n : toHandle(kernel.store(value));
    },

    var_set(keyHandle: bigint, valueHandle: bigint): void {
      const key = kernel.text(keyHandle);
      if (key === undefined) {
        logger.error(`plugin var_set: the key is not a block (handle 0x${keyHandle.toString(16)})`);
        return;
      }
      const vars = tenantVars(true)!;
      const old = vars.get(key)?.byteLength ?? 0;
      if (valueHandle === 0n) {
        varBytes -= old;
        vars.delete(key);
        return;
      }
      const value = kernel.bytes(valueHandle);
      if (value === undefined) {
        logger.error(`plugin var_set: the value of "${key}" is not a block (handle 0x${valueHandle.toString(16)})`);
        return;
      }
      // Variables live as long as the instance, so they are capped like the plugin's memory; the SDK
      // had no cap unless configured.
      const total = varBytes - old + value.byteLength;
      if (total > host.maxVarBytes) {
        const mb = Math.round(host.maxVarBytes / 1048576);
        host.fail(new SandboxError("memory", `the plugin tried to keep ${total} bytes of variables, more than its ${mb} MB memory limit`));
      }
      varBytes = total;
      vars.set(key, value);
    },

    log_trace: log("trace"),
    log_debug: log("debug"),
    log_info: log("info"),
    log_warn: log("warn"),
    log_error: log("error"),
    get_log_level: () => LOG_LEVEL,
  };
}
