/**
 * The `sql` capability: read-only, parameterised queries against a Postgres database named in the
 * gateway's config (host function `sql_query`; shapes in docs/plugin-abi.md §3.2). The guest sends
 * `{sql, params}` and gets `{columns, rows, rowCount, truncated}`; it never sees the URL or the password.
 * Locks that keep it to reading: ./database.ts.
 */
import { CapabilityError, capabilityOp, stringArg, type Capability } from "../types.ts";
import { sqlGrantSchema, type SqlCapabilityConfig, type SqlGrant } from "./config.ts";
import { SqlDatabase } from "./database.ts";
import { toParams } from "./values.ts";

export const SQL_OPS = ["sql_query"] as const;
/** Longest statement text accepted, in characters. */
export const MAX_SQL_LENGTH = 64 * 1024;

/** The configured databases, one pool each (connections open on first use, so a start needs no database). */
export class SqlDatabases {
  private readonly databases = new Map<string, SqlDatabase>();

  constructor(config: SqlCapabilityConfig) {
    for (const [name, db] of Object.entries(config.databases)) this.databases.set(name, new SqlDatabase(name, db));
  }

  get(name: string): SqlDatabase | undefined {
    return this.databases.get(name);
  }

  get names(): string[] {
    return [...this.databases.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.databases.values()].map((db) => db.close()));
  }
}

export const sqlCapability: Capability<"sql", SqlGrant, SqlDatabases> = {
  name: "sql",
  grantSchema: sqlGrantSchema,
  ops: SQL_OPS,
  hostOps(grant, env) {
    const db = env.resource?.get(grant.database);
    if (!db) {
      // Not a load failure: a bundled plugin must load on a gateway without databases and say why it cannot work.
      const configured = env.resource?.names ?? [];
      const message =
        `no database "${grant.database}" is configured on this gateway: add capabilities.sql.databases.${grant.database}.url ` +
        `to its config${configured.length ? ` (configured: ${configured.join(", ")})` : ""}`;
      env.log.warn("sql grant names a database that is not configured", { plugin: env.plugin, database: grant.database });
      return {
        sql_query: capabilityOp("sql_query", env, async () => {
          throw new CapabilityError("unavailable", message);
        }),
      };
    }
    const limits = db.limitsFor(grant);
    return {
      sql_query: capabilityOp("sql_query", env, async (arg) => {
        const text = stringArg(arg, "sql", "sql_query")!;
        if (text.length > MAX_SQL_LENGTH) throw new CapabilityError("invalid", `sql_query: "sql" is longer than ${MAX_SQL_LENGTH} characters`);
        return db.query(text, toParams(arg.params, "sql_query"), limits);
      }),
    };
  },
};
