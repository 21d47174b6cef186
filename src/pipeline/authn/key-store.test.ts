/**
 * The API key stores (SQLite file and a real Postgres on 127.0.0.1 in a private schema) behave the same,
 * and the `keys` CLI manages them: create shows the key once, list never shows secrets, revoke revokes —
 * and a running authenticator on the same Postgres sees both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { validateConfig } from "../../config/load.ts";
import { createLogger } from "../../log.ts";
import { parseApiKey } from "./api-key.ts";
import { runKeysCommand } from "../../cli/keys.ts";
import { createAuthenticator } from "./index.ts";
import { openKeyStore, PostgresKeyStore, SqliteKeyStore, type ApiKeyStore } from "../../adapters/api-key-store.ts";

const PG = "postgres://postgres@127.0.0.1:5432/test";
const schema = `authn_test_${process.pid}_${Date.now()}`;
const pgUrl = `${PG}?search_path=${schema}`;
const admin = postgres(PG, { onnotice: () => {} });
const dir = mkdtempSync(join(tmpdir(), "authn-store-"));

beforeAll(async () => {
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

const record = (id: string, tenant: string) => ({ id, hash: "ab".repeat(32), tenant, roles: ["a", "b"], name: null, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(id.slice(-1)))).toISOString(), revokedAt: null });

function contract(name: string, open: () => Promise<ApiKeyStore>) {
  test(`${name}: insert, list, revoke once; reopening applies no migration twice and keeps the keys`, async () => {
    const store = await open();
    await store.insert(record("00000000aaa1", "t1"));
    await store.insert(record("00000000aaa2", "t2"));
    expect(await store.insert(record("00000000aaa1", "dup")).catch(() => "duplicate")).toBe("duplicate");
    expect(await store.revoke("00000000aaa1")).toBe(true);
    expect(await store.revoke("00000000aaa1")).toBe(false);
    expect(await store.revoke("nope")).toBe(false);
    await store.close();
    const again = await open();
    const listed = await again.list();
    await again.close();
    expect(listed.map((k) => [k.id, k.tenant, k.roles, k.revokedAt !== null])).toEqual([
      ["00000000aaa1", "t1", ["a", "b"], true],
      ["00000000aaa2", "t2", ["a", "b"], false],
    ]);
    expect(listed[1]!.createdAt).toBe("2026-01-01T00:00:02.000Z");
  });
}

describe("key stores", () => {
  contract("SQLite", async () => SqliteKeyStore.open(join(dir, "contract.db")));
  contract("Postgres", () => PostgresKeyStore.open(pgUrl, 2));
});

describe("mcp-sidecar keys (CLI) against Postgres, seen by a running authenticator", () => {
  const env = { MCP_SIDECAR_STORAGE__POSTGRES__URL: pgUrl };
  const cli = async (...argv: string[]) => {
    let out = "";
    let err = "";
    const code = await runKeysCommand(argv, { env, out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  };

  test("create prints the key once; list shows no secret; revoke takes effect at the next reload", async () => {
    const config = validateConfig({ auth: { anonymous: false, apiKeys: { missReloadIntervalMs: 0 } }, storage: { postgres: { url: pgUrl } } }, "test");
    const authn = await createAuthenticator({ config, log: createLogger("silent"), openKeyStore });
    try {
      expect((await cli("frobnicate")).code).toBe(2);
      const c = await cli("create", "--tenant", "acme", "--roles", "reader,writer", "--name", "ci");
      expect(c.code).toBe(0);
      const key = c.out.trim();
      const parsed = parseApiKey(key)!;
      expect(parsed).not.toBeNull();
      expect(c.err).toContain("shown only this once");

      const bearer = { headers: new Headers({ authorization: `Bearer ${key}` }) };
      expect(await authn.authenticator.authenticate(bearer)).toMatchObject({ ok: true, principal: { tenant: "acme", roles: ["reader", "writer"], user: "ci" } });

      const list = await cli("list");
      expect(list.out).toContain(parsed.id);
      expect(list.out).toContain("acme");
      expect(list.out).not.toContain(parsed.secret);
      const json = JSON.parse((await cli("list", "--json")).out) as Record<string, unknown>[];
      expect(json.find((k) => k.id === parsed.id)).toMatchObject({ tenant: "acme", roles: ["reader", "writer"], name: "ci", revokedAt: null });
      expect(JSON.stringify(json)).not.toContain("hash");

      expect((await cli("revoke", parsed.id)).code).toBe(0);
      expect((await cli("revoke", parsed.id)).code).toBe(1);
      await authn.keys!.reload();
      expect(await authn.authenticator.authenticate(bearer)).toMatchObject({ ok: false, status: 401 });
      await expect(cli("create", "--roles", "x")).rejects.toThrow(/--tenant/);
    } finally {
      await authn.close();
    }
  });
});
