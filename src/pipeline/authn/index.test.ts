/**
 * The authenticator as the transports see it: API keys (SQLite store), anonymous mode rules, mesh
 * identity, the 401 challenge and the protected-resource metadata route.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../config/load.ts";
import { createLogger } from "../../log.ts";
import type { AuthResult } from "../chain.ts";
import { generateApiKey, parseApiKey } from "./api-key.ts";
import { createAuthenticator, isLoopback, type BuiltAuthenticator } from "./index.ts";
import { SqliteKeyStore, type ApiKeyStore } from "../../adapters/api-key-store.ts";
import { peerSpiffeId } from "./mesh.ts";

const log = createLogger("silent");
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempStore(): SqliteKeyStore {
  const dir = mkdtempSync(join(tmpdir(), "authn-"));
  dirs.push(dir);
  return SqliteKeyStore.open(join(dir, "keys.db"));
}

async function addKey(store: ApiKeyStore, tenant: string, roles: string[] = [], name: string | null = null): Promise<{ key: string; id: string }> {
  const { key, id, hash } = generateApiKey();
  await store.insert({ id, hash, tenant, roles, name, createdAt: new Date().toISOString(), revokedAt: null });
  return { key, id };
}

async function build(opts: { auth?: Record<string, unknown>; host?: string; store?: ApiKeyStore } = {}): Promise<BuiltAuthenticator> {
  const config = validateConfig({ server: { host: opts.host ?? "127.0.0.1" }, auth: { apiKeys: { missReloadIntervalMs: 0 }, ...opts.auth } }, "test");
  const built = await createAuthenticator({ config, log, keyStore: opts.store ?? tempStore() });
  closers.push(built.close);
  return built;
}

const req = (headers: Record<string, string> = {}) => ({ headers: new Headers({ host: "127.0.0.1:3000", ...headers }) });
const auth = async (a: BuiltAuthenticator, headers: Record<string, string> = {}): Promise<AuthResult> => a.authenticator.authenticate(req(headers));

describe("API keys", () => {
  test("format: public id prefix, 256-bit secret; only the hash is stored", async () => {
    const { key, id, hash } = generateApiKey();
    expect(key).toMatch(/^mcps_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)).toEqual({ id, secret: key.slice(18) });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(hash);
    expect(parseApiKey("mcps_xyz_short")).toBeNull();
  });

  test("a key authenticates as its tenant and roles, synchronously, as Bearer or x-api-key", async () => {
    const store = tempStore();
    const { key, id } = await addKey(store, "acme", ["reader"], "ci-bot");
    const a = await build({ store });
    const result = a.authenticator.authenticate(req({ authorization: `Bearer ${key}` }));
    expect(result instanceof Promise).toBe(false);
    expect(result).toMatchObject({ ok: true, principal: { id: `key:${id}`, tenant: "acme", roles: ["reader"], user: "ci-bot", method: "api_key" } });
    expect(await auth(a, { "x-api-key": key })).toMatchObject({ ok: true, principal: { tenant: "acme" } });
  });

  test("a wrong secret, a malformed key, an unknown id: 401 invalid_token, one message", async () => {
    const store = tempStore();
    const { key, id } = await addKey(store, "acme");
    const a = await build({ store });
    const wrong = `mcps_${id}_${"A".repeat(43)}`;
    for (const bad of [wrong, "mcps_nope", `mcps_${"0".repeat(12)}_${"A".repeat(43)}`]) {
      const r = await auth(a, { authorization: `Bearer ${bad}` });
      expect(r).toMatchObject({ ok: false, status: 401 });
      if (!r.ok) expect(r.wwwAuthenticate).toContain('error="invalid_token"');
    }
    expect((await auth(a, { authorization: `Bearer ${key}` })).ok).toBe(true);
  });

  test("a key created while running works at once; a revoked one stops at the next reload", async () => {
    const store = tempStore();
    await addKey(store, "first");
    const a = await build({ store });
    const { key, id } = await addKey(store, "late");
    expect(await auth(a, { authorization: `Bearer ${key}` })).toMatchObject({ ok: true, principal: { tenant: "late" } });
    await store.revoke(id);
    await a.keys!.reload(); // what the refresh timer does every auth.apiKeys.refreshIntervalMs
    expect(await auth(a, { authorization: `Bearer ${key}` })).toMatchObject({ ok: false, status: 401, message: "Unauthorized: invalid or revoked API key" });
  });

  test("a reload keeps each unchanged key's principal the same object (policy caches key on it), mesh-combined too", async () => {
    const store = tempStore();
    const { key } = await addKey(store, "acme", ["reader"]);
    const a = await build({ store, auth: { mesh: { trustXfcc: true } } });
    const peer = { "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/agents/sa/bot" };
    const before = (await auth(a, { authorization: `Bearer ${key}` })) as AuthResult & { ok: true };
    const viaPeer = (await auth(a, { authorization: `Bearer ${key}`, ...peer })) as AuthResult & { ok: true };
    await a.keys!.reload();
    await a.keys!.reload();
    expect(((await auth(a, { authorization: `Bearer ${key}` })) as AuthResult & { ok: true }).principal).toBe(before.principal);
    expect(((await auth(a, { authorization: `Bearer ${key}`, ...peer })) as AuthResult & { ok: true }).principal).toBe(viaPeer.principal);
  });

  test("a store that fails after start keeps the last loaded keys in force", async () => {
    const store = tempStore();
    const { key } = await addKey(store, "acme");
    const a = await build({ store });
    store.list = () => Promise.reject(new Error("database is down"));
    await a.keys!.reload();
    expect((await auth(a, { authorization: `Bearer ${key}` })).ok).toBe(true);
  });
});

describe("anonymous mode", () => {
  test("loopback with nothing configured: anonymous, tenant default", async () => {
    const a = await build();
    expect(await auth(a)).toMatchObject({ ok: true, principal: { id: "anonymous", tenant: "default", method: "anonymous" } });
  });

  test("once a key exists, requests without credentials get 401 with the resource-metadata challenge", async () => {
    const store = tempStore();
    const a = await build({ store });
    expect((await auth(a)).ok).toBe(true);
    await addKey(store, "acme");
    await a.keys!.reload();
    const r = await auth(a);
    expect(r).toMatchObject({ ok: false, status: 401 });
    if (!r.ok) expect(r.wwwAuthenticate).toBe('Bearer resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"');
  });

  test("a bad credential is refused even where anonymous access is allowed", async () => {
    const a = await build({ auth: { anonymous: true } });
    expect(await auth(a, { authorization: "Bearer mcps_bad" })).toMatchObject({ ok: false, status: 401 });
    expect(await auth(a, { authorization: "Basic dXNlcjpwdw==" })).toMatchObject({ ok: false, status: 401 });
  });

  test("auth.anonymous: false refuses on loopback too", async () => {
    const a = await build({ auth: { anonymous: false } });
    expect(await auth(a)).toMatchObject({ ok: false, status: 401 });
  });

  test("a non-loopback bind with no authentication is a startup error, unless anonymous is explicit", async () => {
    await expect(build({ host: "0.0.0.0" })).rejects.toThrow(/refusing to serve 0\.0\.0\.0.*auth\.anonymous: true/);
    expect((await auth(await build({ host: "0.0.0.0", auth: { anonymous: true } }))).ok).toBe(true);
    const store = tempStore();
    await addKey(store, "acme");
    expect((await auth(await build({ host: "0.0.0.0", store }))).ok).toBe(false);
  });

  test("loopback addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.com"]) expect(isLoopback(h)).toBe(false);
  });
});

describe("mesh identity (x-forwarded-client-cert)", () => {
  const XFCC = 'By=spiffe://cluster.local/ns/tools/sa/mcp;Hash=abc;Subject="CN=x,O=y;z";URI=spiffe://cluster.local/ns/agents/sa/bot';

  test("parsing: quoted values, several elements (the last is our peer)", () => {
    expect(peerSpiffeId(XFCC)).toBe("spiffe://cluster.local/ns/agents/sa/bot");
    expect(peerSpiffeId(`URI=spiffe://a/x,${XFCC}`)).toBe("spiffe://cluster.local/ns/agents/sa/bot");
    expect(peerSpiffeId("Hash=abc")).toBeUndefined();
  });

  test("not trusted (the default): the header is ignored entirely", async () => {
    const store = tempStore();
    const { key, id } = await addKey(store, "acme");
    const a = await build({ store });
    expect(await auth(a, { "x-forwarded-client-cert": XFCC })).toMatchObject({ ok: false, status: 401 });
    const r = await auth(a, { authorization: `Bearer ${key}`, "x-forwarded-client-cert": XFCC });
    expect(r).toMatchObject({ ok: true, principal: { id: `key:${id}` } });
    if (r.ok) expect(r.principal.agent).toBeUndefined();
  });

  test("trusted: user from the credential, agent from the mesh; a peer alone is a mesh principal", async () => {
    const store = tempStore();
    const { key, id } = await addKey(store, "acme", ["dev"]);
    const a = await build({ store, auth: { mesh: { trustXfcc: true, tenant: "mesh-tenant" } } });
    const both = await auth(a, { authorization: `Bearer ${key}`, "x-forwarded-client-cert": XFCC });
    expect(both).toMatchObject({
      ok: true,
      principal: { id: `key:${id}#spiffe://cluster.local/ns/agents/sa/bot`, tenant: "acme", roles: ["dev"], agent: "spiffe://cluster.local/ns/agents/sa/bot", method: "api_key" },
    });
    expect(await auth(a, { "x-forwarded-client-cert": XFCC })).toMatchObject({ ok: true, principal: { method: "mesh", tenant: "mesh-tenant", agent: "spiffe://cluster.local/ns/agents/sa/bot" } });
    expect(await auth(a)).toMatchObject({ ok: false, status: 401 });
  });

  test("trust-domain allowlist: a peer from another domain is refused (403)", async () => {
    const a = await build({ auth: { mesh: { trustXfcc: true, trustDomains: ["prod.example"] } } });
    expect(await auth(a, { "x-forwarded-client-cert": XFCC })).toMatchObject({ ok: false, status: 403 });
    expect(await auth(a, { "x-forwarded-client-cert": "URI=spiffe://prod.example/ns/a/sa/b" })).toMatchObject({ ok: true, principal: { agent: "spiffe://prod.example/ns/a/sa/b" } });
  });
});

describe("protected-resource metadata (RFC 9728)", () => {
  test("served at the root and path-suffixed well-known URLs, naming resource and authorization servers", async () => {
    const a = await build({ auth: { resource: "https://mcp.example.com/mcp", jwt: { issuer: "https://idp.example.com", secret: "x".repeat(32) }, scopesSupported: ["tools"] } });
    expect(Object.keys(a.routes).sort()).toEqual(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]);
    const res = await a.routes["/.well-known/oauth-protected-resource/mcp"]!(new Request("http://127.0.0.1/.well-known/oauth-protected-resource/mcp"));
    expect(await res.json()).toEqual({
      resource: "https://mcp.example.com/mcp",
      authorization_servers: ["https://idp.example.com"],
      bearer_methods_supported: ["header"],
      scopes_supported: ["tools"],
      resource_name: "mcp-sidecar",
    });
    const r = await auth(a, { authorization: "Bearer a.b.c" });
    if (!r.ok) expect(r.wwwAuthenticate).toStartWith('Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="tools", error="invalid_token"');
    expect(r.ok).toBe(false);
  });

  test("auth.jwt without a resource or audience is a configuration error", () => {
    expect(() => validateConfig({ auth: { jwt: { issuer: "https://idp" } } }, "test")).toThrow(/auth\.resource/);
  });
});
