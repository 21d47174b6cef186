/**
 * Capabilities: powers a plugin gets only when its manifest grants them, as host functions in the
 * `extism:host/user` namespace (docs/plugin-abi.md §3.2). A function whose capability is not granted is
 * not linked: calling it traps with a message naming the missing grant.
 *
 * HOW A CAPABILITY REGISTERS
 *   1. Write src/capabilities/<name>/index.ts exporting a `Capability<"<name>", Grant, Resource>`
 *      (./types.ts): its zod grant schema, its host function names, and `hostOps(grant, env)` building the
 *      functions for one plugin (env.resource: the gateway-side resource; bridge.scope: the request, with
 *      `principal.tenant`). Use `capabilityOp` so failures reach the guest as `{"error": {code, message}}`.
 *   2. Add it to CAPABILITIES below (one line). That extends the manifest's `grants` schema, the
 *      CapabilityResources type and the host function table.
 *   3. If it needs a gateway-side resource (a client, a pool): a port in src/ports, an adapter in
 *      src/adapters, and in src/core.ts a lazy getter under the capability's name in `capabilityResources`
 *      (opened only when some plugin is granted it) plus its close in `closeCapabilities`. Without a
 *      resource, `env.resource` is undefined: throw from hostOps with what to configure.
 *   Host functions are async (JSPI) and bounded by the call's deadline; arguments and answers are JSON
 *   objects. Name them <capability>_<verb> and document them in docs/plugin-abi.md §3.2.
 * Process isolation: a plugin with `isolation: "process"` gets the same functions. Its child process links
 * a relay for each granted one (src/sandbox/process/host-relay.ts) and the gateway runs the op built here on
 * the request's bridge, so grants, tenants and limits are enforced by this same code in both modes.
 */
import { z } from "zod";
import type { PluginHostOps, HostOp } from "../registry/abi/host-functions.ts";
import type { Logger } from "../log.ts";
import { fsCapability } from "./fs/index.ts";
import { kvCapability } from "./kv/index.ts";
import { sqlCapability } from "./sql/index.ts";
import type { Capability } from "./types.ts";

export const CAPABILITIES = [fsCapability, kvCapability, sqlCapability] as const;

type AnyCapability = (typeof CAPABILITIES)[number];
type GrantOf<C> = C extends Capability<string, infer G, any> ? G : never;
type ResourceOf<C> = C extends Capability<string, any, infer R> ? R : never;

/** The manifest's `grants`: one optional entry per capability. */
export type Grants = { [C in AnyCapability as C["name"]]?: GrantOf<C> };
/** What core wiring hands the capabilities (e.g. `kv`: the KvStore). */
export type CapabilityResources = { [C in AnyCapability as C["name"]]?: ResourceOf<C> };

export const grantsSchema = z
  .object(Object.fromEntries(CAPABILITIES.map((c) => [c.name, c.grantSchema.optional()])))
  .strict() as unknown as z.ZodType<Grants, any>;

const CAPABILITY_OF_OP = new Map<string, string>(CAPABILITIES.flatMap((c) => c.ops.map((op) => [op, c.name] as const)));

/** The message a plugin gets when it calls a capability function its manifest does not grant. */
export function missingGrantMessage(fn: string): string | undefined {
  const capability = CAPABILITY_OF_OP.get(fn);
  if (!capability) return undefined;
  return `${fn}: this plugin's manifest grants no "${capability}" capability (add "grants": { "${capability}": {...} } to its manifest.json)`;
}

/** The granted capabilities' host functions for one plugin; throws (refusing the load) if a grant cannot be served. */
export async function capabilityHostOps(plugin: string, grants: Grants, resources: CapabilityResources, log: Logger): Promise<PluginHostOps> {
  const ops: Record<string, HostOp> = {};
  for (const capability of CAPABILITIES as readonly Capability<string, unknown, unknown>[]) {
    const grant = (grants as Record<string, unknown>)[capability.name];
    if (grant === undefined) continue;
    const resource = (resources as Record<string, unknown>)[capability.name];
    Object.assign(ops, await capability.hostOps(grant, { plugin, resource, log: log.child({ capability: capability.name }) }));
  }
  const missing: Record<string, string> = {};
  for (const fn of CAPABILITY_OF_OP.keys()) if (!Object.hasOwn(ops, fn)) missing[fn] = missingGrantMessage(fn)!;
  return { ops, missing };
}
