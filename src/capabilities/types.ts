/**
 * The contract of one capability: a power a first-party plugin gets only through host functions its
 * manifest grants (`"grants": { "<name>": {...} }`). The guest sends JSON arguments and gets JSON back;
 * credentials, host paths and connections stay on the gateway side.
 */
import type { z } from "zod";
import type { HostBridge, HostOp } from "../registry/abi/host-functions.ts";
import type { Logger } from "../log.ts";
import type { RequestScope } from "../registry/types.ts";

export interface CapabilityEnv<R> {
  /** The plugin being loaded (its manifest name). */
  plugin: string;
  /** The gateway-side resource core wiring opened for this capability (src/core.ts); undefined if none. */
  resource: R | undefined;
  /** For failures the guest is not told the details of. */
  log: Logger;
}

export interface Capability<Name extends string, Grant, Resource = undefined> {
  /** The key under the manifest's `grants`. */
  readonly name: Name;
  /** Validates and defaults the grant; errors name the field (`grants.<name>.<field>`). */
  readonly grantSchema: z.ZodType<Grant, any>;
  /** Every host function name (in `extism:host/user`) this capability provides. */
  readonly ops: readonly string[];
  /**
   * The host functions for one plugin, bound to its grant; called once at load. Throwing refuses the load
   * with that message (e.g. a root that does not exist, a resource that is not configured).
   */
  hostOps(grant: Grant, env: CapabilityEnv<Resource>): Record<string, HostOp> | Promise<Record<string, HostOp>>;
}

/** A failure the guest is told about as `{"error": {code, message}}` (not a trap): the plugin can report it. */
export class CapabilityError extends Error {
  override name = "CapabilityError";
  constructor(
    readonly code: "invalid" | "denied" | "not_found" | "limit" | "unavailable",
    message: string,
  ) {
    super(message);
  }
}

/** The request a host function serves; capability ops exist only for client requests (not at load). */
export function scopeOf(bridge: HostBridge, fn: string): RequestScope {
  if (!bridge.scope) throw new CapabilityError("unavailable", `${fn} is only available while serving a client request`);
  return bridge.scope;
}

/** The caller's tenant: per-tenant state is keyed by it. Unauthenticated calls run as tenant "default". */
export function tenantOf(bridge: HostBridge, fn: string): string {
  return scopeOf(bridge, fn).principal?.tenant ?? "default";
}

/**
 * A capability host function: async (the guest is suspended while it works; the call's deadline bounds it),
 * JSON object in, JSON object out. A CapabilityError becomes `{"error": {...}}` for the guest; anything else
 * is reported without its message (which may carry host paths or connection details) as "unavailable".
 */
export function capabilityOp(fn: string, env: { log: Logger }, run: (arg: Record<string, unknown>, bridge: HostBridge) => Promise<unknown>): HostOp {
  const answer = (err: unknown) => {
    if (err instanceof CapabilityError) return { error: { code: err.code, message: err.message } };
    env.log.warn("capability host function failed", { fn, error: String((err as Error)?.message ?? err) });
    return { error: { code: "unavailable", message: `${fn} failed on the gateway side; try again later` } };
  };
  return {
    request: true,
    takesArg: true,
    // Only the op's own failures become answers: the guard's deadline/cancellation still traps the guest.
    run: (bridge, arg, guard) => guard(Promise.resolve().then(() => run(arg, bridge)).catch(answer)),
  };
}

/** Argument readers that fail with a message naming the function and field. */
export function stringArg(arg: Record<string, unknown>, field: string, fn: string, opts: { optional?: boolean } = {}): string | undefined {
  const v = arg[field];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string") throw new CapabilityError("invalid", `${fn}: "${field}" must be a string`);
  return v;
}

export function intArg(arg: Record<string, unknown>, field: string, fn: string, min: number, max: number): number | undefined {
  const v = arg[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new CapabilityError("invalid", `${fn}: "${field}" must be an integer from ${min} to ${max}`);
  }
  return v;
}
