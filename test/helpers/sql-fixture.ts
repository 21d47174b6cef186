/**
 * A private schema and a SELECT-only role on the machine's Postgres (db `test`), for the `sql` capability's
 * tests: names carry a unique prefix, and drop() removes both. The role is what README "SQL databases"
 * tells operators to create: LOGIN, USAGE on one schema, SELECT on its tables, nothing else.
 */
import postgres from "postgres";

export const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test";

export interface SqlFixture {
  schema: string;
  role: string;
  /** Password in the reader's URL (trust auth ignores it; tests check it never reaches a guest). */
  password: string;
  /** postgres:// URL of the SELECT-only role. */
  url: string;
  /** A table in the schema the role was NOT granted. */
  secretTable: string;
  admin: postgres.Sql;
  drop(): Promise<void>;
}

export async function createSqlFixture(): Promise<SqlFixture> {
  const id = `h5sql_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const schema = id;
  const role = `${id}_reader`;
  const password = `pw-${Math.random().toString(36).slice(2)}-Zq9`;
  const admin = postgres(ADMIN_URL, { onnotice: () => {}, max: 2 });
  await admin.unsafe(`
    CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), big int8, added date, data bytea, tags text[], meta jsonb);
    INSERT INTO ${schema}.items SELECT g, 'item ' || g, g * 1.25, g::int8 * 1000000000000000, DATE '2024-01-01' + g, decode(lpad(to_hex(g), 2, '0'), 'hex'), ARRAY['t' || g], jsonb_build_object('n', g)
      FROM generate_series(1, 50) g;
    CREATE TABLE ${schema}.audit (at timestamptz DEFAULT now(), what text);
    CREATE TABLE ${schema}.secrets (token text);
    INSERT INTO ${schema}.secrets VALUES ('top-secret');
    CREATE SEQUENCE ${schema}.counter;
    CREATE FUNCTION ${schema}.log_visit() RETURNS int LANGUAGE sql AS $$ INSERT INTO ${schema}.audit (what) VALUES ('visit') RETURNING 1 $$;
    CREATE ROLE ${role} LOGIN PASSWORD '${password}';
    GRANT USAGE ON SCHEMA ${schema} TO ${role};
    GRANT SELECT ON ${schema}.items, ${schema}.audit TO ${role};
    -- More than the recipe: lets tests show the read-only transaction alone stops nextval().
    GRANT USAGE ON SEQUENCE ${schema}.counter TO ${role};
  `);
  const drop = async () => {
    await admin.unsafe(`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}';
      DROP SCHEMA IF EXISTS ${schema} CASCADE;
      DROP ROLE IF EXISTS ${role};
    `);
    await admin.end({ timeout: 1 });
  };
  const url = `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:5432/test`;
  return { schema, role, password, url, secretTable: `${schema}.secrets`, admin, drop };
}
