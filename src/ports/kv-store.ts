/**
 * Key-value memory for plugins granted the `kv` capability (src/capabilities/kv). Keys live in namespaces;
 * the capability builds one namespace per tenant and plugin, so the store never has to know about either.
 * Values are strings (the capability stores JSON text). Expiry is exact: an expired key is never returned,
 * counted or listed, however lazily the store reclaims its space.
 */
export interface KvListing {
  /** Live keys starting with the prefix, in ascending order of their UTF-8 bytes, at most `limit`. */
  keys: string[];
  /** True when more keys match than were returned. */
  more: boolean;
}

export interface KvStore {
  readonly kind: "redis" | "sqlite";
  get(namespace: string, key: string): Promise<string | null>;
  /**
   * Stores the value (replacing any, and its expiry). Refuses with "full" when the key is new and the
   * namespace already holds `maxKeys` live keys.
   */
  set(namespace: string, key: string, value: string, opts: { ttlMs?: number; maxKeys: number }): Promise<"ok" | "full">;
  /** True when a live key was removed. */
  delete(namespace: string, key: string): Promise<boolean>;
  list(namespace: string, prefix: string, limit: number): Promise<KvListing>;
  close(): void;
}
