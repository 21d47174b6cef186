import { z } from "zod";

/**
 * Where durable state lives. The embedded default is one SQLite file (bun:sqlite), so `npm start` needs no
 * database server; with `postgres.url` set, stores that support it (audit, API keys, tool pins) use Postgres.
 */
export const storageConfigSchema = z.object({
  /** Folder for the SQLite database and the audit spool; created if missing. */
  dataDir: z.string().min(1).default("./data"),
  postgres: z
    .object({
      url: z.string().min(1).optional(),
      /** Connections in the pool; the hot path never waits on them (writes are batched beside it). */
      maxConnections: z.number().int().positive().default(4),
    })
    .prefault({}),
  /**
   * Redis for plugin key-value memory (the `kv` capability, src/capabilities/kv), shared by replicas;
   * without it kv lives in the SQLite file under dataDir.
   */
  redis: z
    .object({
      /** redis://, rediss://, valkey:// or valkeys:// (Bun's built-in client). */
      url: z.string().refine((u) => /^(rediss?|valkeys?):\/\//.test(u), "must be a redis://, rediss://, valkey:// or valkeys:// URL"),
      /** Every key the kv store writes starts with this. */
      prefix: z.string().min(1).default("mcp-sidecar:kv:"),
      /** A kv command slower than this fails (the plugin gets an "unavailable" error). */
      timeoutMs: z.number().int().positive().default(1000),
    })
    .strict()
    .optional(),
});
export type StorageConfig = z.infer<typeof storageConfigSchema>;
