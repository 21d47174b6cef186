import { z } from "zod";

const risk = z.enum(["LOW", "MEDIUM", "HIGH", "CRITICAL"]);

/**
 * audit: one record per MCP request, written in batches beside the hot path.
 *
 * Loss window (documented promise): a record of a call whose risk is not in `durableRisks` may be lost on
 * a crash if it was still waiting for its batch — at most `batch.intervalMs` milliseconds or
 * `batch.maxRecords` records of such calls. Calls whose risk is in `durableRisks` are answered only after
 * their record is committed to the database (or fsync'd to the spool while the database is down).
 */
export const auditConfigSchema = z
  .object({
    /** Off only for benchmarks of the bare chain; the product default is on. */
    enabled: z.boolean().default(true),
    /** "auto": Postgres when storage.postgres.url is set, else the embedded SQLite file. */
    sink: z.enum(["auto", "sqlite", "postgres"]).default("auto"),
    sqlite: z
      .object({
        /** Relative to storage.dataDir unless absolute. */
        file: z.string().min(1).default("audit.sqlite"),
        /** "full" also survives power loss (an fsync per batch); "normal" survives process crashes. */
        synchronous: z.enum(["normal", "full"]).default("normal"),
      })
      .strict()
      .prefault({}),
    batch: z
      .object({
        /** Group commit: a batch is written when it holds this many records... */
        maxRecords: z.number().int().positive().max(10_000).default(128),
        /** ...or when its oldest record has waited this long (durable records are written at once). */
        intervalMs: z.number().int().positive().default(20),
      })
      .strict()
      .prefault({}),
    /** Risk levels whose response waits for the record's group commit. */
    durableRisks: z.array(risk).default(["HIGH", "CRITICAL"]),
    /** Risk levels whose arguments are stored in full; the others store a SHA-256 of them. */
    fullArgumentsRisks: z.array(risk).default(["HIGH", "CRITICAL"]),
    spool: z
      .object({
        /** While the database is down, how often to try replaying the spool into it. */
        retryMs: z.number().int().positive().default(1000),
        /** Records kept in memory when neither the database nor the spool can take them; older ones are dropped (metric). */
        maxQueuedRecords: z.number().int().positive().default(100_000),
      })
      .strict()
      .prefault({}),
    /** A database write slower than this counts as failed (the batch goes to the spool; replay is idempotent). */
    writeTimeoutMs: z.number().int().positive().default(5000),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
