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
});
export type StorageConfig = z.infer<typeof storageConfigSchema>;
