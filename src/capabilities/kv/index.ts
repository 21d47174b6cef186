/**
 * The `kv` capability: per-tenant key-value memory for a plugin (host functions kv_get, kv_set, kv_delete,
 * kv_list; shapes in docs/plugin-abi.md §3.2). Every key is stored under a namespace built from the caller's
 * tenant (RequestScope.principal) and the grant's namespace (default: the plugin's name), so a tenant can
 * only ever reach its own keys: the guest names keys, never namespaces.
 * The store is the gateway's KvStore (src/ports/kv-store.ts): Redis when storage.redis is set, else SQLite.
 */
import { z } from "zod";
import type { KvStore } from "../../ports/kv-store.ts";
import { CapabilityError, capabilityOp, intArg, stringArg, tenantOf, type Capability } from "../types.ts";

export const kvGrantSchema = z
  .object({
    /** Plugins granted the same namespace share keys (still per tenant); default: the plugin's own name. */
    namespace: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '_', '-' or '.'").optional(),
    /** Largest value, as UTF-8 JSON text. */
    maxValueBytes: z.number().int().positive().max(16 * 1024 * 1024).default(64 * 1024),
    /** Most live keys one tenant may hold in the namespace; kv_set of a new key beyond it fails. */
    maxKeys: z.number().int().positive().max(1_000_000).default(1000),
    /** Longest ttlSeconds a kv_set may ask for (keys without ttlSeconds never expire). */
    maxTtlSeconds: z.number().int().positive().default(30 * 24 * 3600),
  })
  .strict();
export type KvGrant = z.infer<typeof kvGrantSchema>;

export const KV_OPS = ["kv_get", "kv_set", "kv_delete", "kv_list"] as const;
/** Longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512;
export const MAX_LIST_LIMIT = 1000;

const ENCODER = new TextEncoder();

function keyArg(arg: Record<string, unknown>, fn: string, field = "key"): string {
  const key = stringArg(arg, field, fn)!;
  if (field === "key" && key.length === 0) throw new CapabilityError("invalid", `${fn}: "key" must not be empty`);
  if (ENCODER.encode(key).length > MAX_KEY_BYTES) throw new CapabilityError("invalid", `${fn}: "${field}" is longer than ${MAX_KEY_BYTES} bytes`);
  return key;
}

/** Injective: a tenant or namespace can never be crafted to collide with another pair. */
export const kvNamespace = (tenant: string, namespace: string): string => `${encodeURIComponent(tenant)}/${encodeURIComponent(namespace)}`;

export const kvCapability: Capability<"kv", KvGrant, KvStore> = {
  name: "kv",
  grantSchema: kvGrantSchema,
  ops: KV_OPS,
  hostOps(grant, env) {
    const store = env.resource;
    if (!store) throw new Error('grants "kv", but the gateway has no key-value store (core wiring passes none)');
    const ns = (bridge: Parameters<typeof tenantOf>[0], fn: string) => kvNamespace(tenantOf(bridge, fn), grant.namespace ?? env.plugin);
    return {
      kv_get: capabilityOp("kv_get", env, async (arg, bridge) => {
        const text = await store.get(ns(bridge, "kv_get"), keyArg(arg, "kv_get"));
        return text === null ? { found: false } : { found: true, value: JSON.parse(text) };
      }),
      kv_set: capabilityOp("kv_set", env, async (arg, bridge) => {
        const key = keyArg(arg, "kv_set");
        if (!("value" in arg)) throw new CapabilityError("invalid", 'kv_set: "value" is required (any JSON value)');
        const ttlSeconds = intArg(arg, "ttlSeconds", "kv_set", 1, grant.maxTtlSeconds);
        const text = JSON.stringify(arg.value);
        if (ENCODER.encode(text).length > grant.maxValueBytes) {
          throw new CapabilityError("limit", `kv_set: the value is larger than this plugin's limit of ${grant.maxValueBytes} bytes (grants.kv.maxValueBytes)`);
        }
        const outcome = await store.set(ns(bridge, "kv_set"), key, text, { ttlMs: ttlSeconds && ttlSeconds * 1000, maxKeys: grant.maxKeys });
        if (outcome === "full") {
          throw new CapabilityError("limit", `kv_set: this tenant already holds ${grant.maxKeys} keys (grants.kv.maxKeys); delete some first`);
        }
        return { ok: true };
      }),
      kv_delete: capabilityOp("kv_delete", env, async (arg, bridge) => ({
        deleted: await store.delete(ns(bridge, "kv_delete"), keyArg(arg, "kv_delete")),
      })),
      kv_list: capabilityOp("kv_list", env, async (arg, bridge) => {
        const prefix = arg.prefix === undefined ? "" : keyArg(arg, "kv_list", "prefix");
        const limit = intArg(arg, "limit", "kv_list", 1, MAX_LIST_LIMIT) ?? 100;
        return store.list(ns(bridge, "kv_list"), prefix, limit);
      }),
    };
  },
};
