/**
 * Configuration of the `sql` capability: the databases live in the gateway's config (the credential never
 * leaves it), and a plugin's manifest only names one of them in its grant.
 *
 *   capabilities:
 *     sql:
 *       databases:
 *         analytics: { url: "postgres://reader:secret@db:5432/app", maxRows: 1000, statementTimeoutMs: 5000 }
 *
 *   manifest.json: "grants": { "sql": { "database": "analytics", "maxRows": 100 } }
 */
import { z } from "zod";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const NAME_MESSAGE = "must be 1-64 letters, digits, '_', '-' or '.'";

export const sqlDatabaseConfigSchema = z
  .object({
    /** postgres:// URL of a role that should have SELECT rights only (README "SQL databases"). */
    url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL"),
    /** Most rows one query returns; more are cut off and the result says `truncated: true`. */
    maxRows: z.number().int().positive().max(100_000).default(1000),
    /** Largest result, as JSON text; rows past it are cut off like rows past maxRows. */
    maxResultBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
    /** statement_timeout of every query; a plugin's grant may only lower it. */
    statementTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /** Connections the gateway keeps to this database. */
    maxConnections: z.number().int().positive().max(100).default(4),
  })
  .strict();
export type SqlDatabaseConfig = z.infer<typeof sqlDatabaseConfigSchema>;

export const sqlCapabilityConfigSchema = z
  .object({
    databases: z
      .record(z.string().regex(NAME, NAME_MESSAGE), sqlDatabaseConfigSchema)
      .default({}),
  })
  .strict();
export type SqlCapabilityConfig = z.infer<typeof sqlCapabilityConfigSchema>;

/** `grants.sql` in a manifest. The limits may only tighten the database's own (the lower one applies). */
export const sqlGrantSchema = z
  .object({
    /** A name under capabilities.sql.databases in the gateway's config. */
    database: z.string().regex(NAME, NAME_MESSAGE),
    maxRows: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();
export type SqlGrant = z.infer<typeof sqlGrantSchema>;
