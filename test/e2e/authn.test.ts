/**
 * Authentication end to end over real HTTP and WebSocket against gateways on 127.0.0.1:0: API keys in
 * the SQLite store, JWTs from a real issuer (Bun.serve on 127.0.0.1:0), the mesh header, the 401
 * challenge and metadata, sessions bound to their principal across tenants, and credentials never
 * reaching a plugin.
 */
import { watString } from "../helpers/wat-plugin.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey } from "../../src/pipeline/authn/api-key.ts";
import { SQLITE_FILE, SqliteKeyStore } from "../../src/adapters/api-key-store.ts";
import { TestIssuer } from "../../src/pipeline/authn/test-issuer.ts";
import { connectClient, rawInitialize, rawPost, REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";
import { waitFor, WsTestClient } from "../helpers/ws-client.ts";

const V = "2025-11-25";
const PREFIX = '{"content":[{"type":"text","text":"mirrored"}],"structuredContent":{"received":';
/** A tool whose result carries, verbatim, the whole input the sandbox handed the plugin. */
const MIRROR = {
  name: "mirror",
  tool: "mirror",
  extra: `(import "extism:host/env" "input_length" (func $input_length (result i64)))
    (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
    (data (i32.const 32768) "${watString(PREFIX)}")`,
  body: `(local $n i64) (local $blk i64) (local $i i64)
    (local.set $n (call $input_length))
    (local.set $blk (call $alloc (i64.add (local.get $n) (i64.const ${PREFIX.length + 2}))))
    (block $d1 (loop $l1 (br_if $d1 (i64.ge_u (local.get $i) (i64.const ${PREFIX.length})))
      (call $store_u8 (i64.add (local.get $blk) (local.get $i)) (i32.load8_u (i32.add (i32.const 32768) (i32.wrap_i64 (local.get $i)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1))) (br $l1)))
    (local.set $i (i64.const 0))
    (block $d2 (loop $l2 (br_if $d2 (i64.ge_u (local.get $i) (local.get $n)))
      (call $store_u8 (i64.add (local.get $blk) (i64.add (i64.const ${PREFIX.length}) (local.get $i))) (call $input_load_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1))) (br $l2)))
    (call $store_u8 (i64.add (local.get $blk) (i64.add (i64.const ${PREFIX.length}) (local.get $n))) (i32.const 125))
    (call $store_u8 (i64.add (local.get $blk) (i64.add (i64.const ${PREFIX.length + 1}) (local.get $n))) (i32.const 125))
    (call $output_set (local.get $blk) (i64.add (local.get $n) (i64.const ${PREFIX.length + 2})))
    (return (i32.const 0))`,
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataDirWithKeys(...tenants: string[]): { dataDir: string; store: SqliteKeyStore; keys: { key: string; id: string }[] } {
  const dataDir = mkdtempSync(join(tmpdir(), "authn-e2e-"));
  dirs.push(dataDir);
  const store = SqliteKeyStore.open(join(dataDir, SQLITE_FILE));
  const keys = tenants.map((tenant) => {
    const { key, id, hash } = generateApiKey();
    void store.insert({ id, hash, tenant, roles: ["user"], name: `${tenant}-key`, createdAt: new Date().toISOString(), revokedAt: null });
    return { key, id };
  });
  return { dataDir, store, keys };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const session = (id: string) => ({ "mcp-session-id": id, "mcp-protocol-version": V });
const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
const sseGet = (url: string, headers: Record<string, string>) => fetch(url, { headers: { accept: "text/event-stream", ...headers } });
const del = (url: string, headers: Record<string, string>) => fetch(url, { method: "DELETE", headers });
const wsUpgrade = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers } });

describe("API keys over HTTP and WebSocket", () => {
  let gw: TestGateway;
  let a: string;
  let b: string;
  let revocable: { key: string; id: string };
  let store: SqliteKeyStore;

  beforeAll(async () => {
    const setup = dataDirWithKeys("tenant-a", "tenant-b", "tenant-c");
    store = setup.store;
    [a, b] = setup.keys.map((k) => k.key) as [string, string];
    revocable = setup.keys[2]!;
    gw = await startTestGateway({ plugins: ["echo"], config: { storage: { dataDir: setup.dataDir }, auth: { apiKeys: { refreshIntervalMs: 100 } } } });
    writeWatPlugin(gw.pluginsDir, MIRROR);
    await gw.registry.rescan();
  });
  afterAll(async () => {
    await gw.stop();
    await store.close();
  });

  test("no credentials: 401 with the resource-metadata challenge, and the metadata is there", async () => {
    const res = await rawPost(gw.mcpUrl, ping);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toBe(`Bearer resource_metadata="${gw.url}/.well-known/oauth-protected-resource/mcp"`);
    const meta = await fetch(challenge.match(/resource_metadata="([^"]+)"/)![1]!);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({ resource: `${gw.mcpUrl}`, bearer_methods_supported: ["header"] });
    expect((await fetch(`${gw.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
  });

  test("a tenant's key works with the SDK client", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(a));
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect(result.content).toEqual([{ type: "text", text: "hi" }]);
  });

  test("tenant A's session used with tenant B's key: 404 on POST, GET and DELETE; A still has it", async () => {
    const sid = await rawInitialize(gw.mcpUrl, V, bearer(a));
    expect((await rawPost(gw.mcpUrl, ping, { ...bearer(b), ...session(sid) })).status).toBe(404);
    expect((await sseGet(gw.mcpUrl, { ...bearer(b), ...session(sid) })).status).toBe(404);
    expect((await del(gw.mcpUrl, { ...bearer(b), ...session(sid) })).status).toBe(404);
    expect((await rawPost(gw.mcpUrl, ping, session(sid))).status).toBe(401);
    expect((await rawPost(gw.mcpUrl, ping, { ...bearer(a), ...session(sid) })).status).toBe(200);
    expect((await del(gw.mcpUrl, { ...bearer(a), ...session(sid) })).status).toBe(200);
  });

  test("a spoofed x-forwarded-client-cert is ignored when the mesh is not trusted", async () => {
    const sid = await rawInitialize(gw.mcpUrl, V, { ...bearer(a), "x-forwarded-client-cert": "URI=spiffe://evil/ns/x/sa/one" });
    const res = await rawPost(gw.mcpUrl, ping, { ...bearer(a), ...session(sid), "x-forwarded-client-cert": "URI=spiffe://evil/ns/x/sa/two" });
    expect(res.status).toBe(200); // same principal: the header did not change who we think is calling
    expect((await rawPost(gw.mcpUrl, ping, { "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/a/sa/b" })).status).toBe(401);
  });

  test("WebSocket: refused at upgrade without a key (401 + challenge); with one, it serves", async () => {
    const wsHttp = `${gw.mcpUrl}/ws`;
    const refused = await wsUpgrade(wsHttp);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("resource_metadata=");
    expect((await wsUpgrade(wsHttp, bearer("mcps_000000000000_" + "A".repeat(43)))).status).toBe(401);
    await using ws = await WsTestClient.connect(wsHttp.replace(/^http/, "ws"), bearer(b));
    const init = await ws.request("initialize", { protocolVersion: V, capabilities: {}, clientInfo: { name: "ws", version: "1" } });
    expect(init.result).toBeDefined();
    ws.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect((await ws.request("tools/call", { name: "echo", arguments: { text: "b" } })).result.content[0].text).toBe("b");
  });

  test("credentials never reach a plugin: its whole input holds no trace of the key", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, { ...bearer(a), "x-api-key": a, cookie: "sid=secret-cookie" });
    const result = await client.callTool({ name: "mirror", arguments: { text: "look" } });
    const received = (result.structuredContent as { received: unknown }).received;
    expect(received).toMatchObject({ request: { name: "mirror", arguments: { text: "look" } } });
    const seen = JSON.stringify(received);
    // The key's secret part is base64url and may itself contain "_": take everything after the id.
    const keySecret = a.slice(a.indexOf("_", "mcps_".length) + 1);
    expect(keySecret.length).toBe(43);
    for (const secret of [a, keySecret, "Bearer", "authorization", "x-api-key", "secret-cookie"]) expect(seen).not.toContain(secret);
  });

  test("a revoked key gets 401 within the refresh interval, on HTTP and at WebSocket upgrade", async () => {
    const sid = await rawInitialize(gw.mcpUrl, V, bearer(revocable.key));
    await store.revoke(revocable.id);
    await waitFor(async () => (await rawPost(gw.mcpUrl, ping, { ...bearer(revocable.key), ...session(sid) })).status === 401, 5_000);
    const res = await rawPost(gw.mcpUrl, ping, bearer(revocable.key));
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await wsUpgrade(`${gw.mcpUrl}/ws`, bearer(revocable.key))).status).toBe(401);
  });
});

describe("JWT bearer tokens", () => {
  const RESOURCE = "https://mcp.test/mcp";
  let gw: TestGateway;
  let issuer: TestIssuer;
  const token = (claims: Record<string, unknown>, opts: Parameters<TestIssuer["sign"]>[1] = {}) => issuer.sign({ aud: RESOURCE, ...claims }, opts);

  beforeAll(async () => {
    issuer = await TestIssuer.start("ES256");
    gw = await startTestGateway({ plugins: ["echo"], config: { auth: { resource: RESOURCE, jwt: { issuer: issuer.issuer } } } });
  });
  afterAll(async () => {
    await gw.stop();
    await issuer.stop();
  });

  test("a valid token works; the metadata names the issuer as authorization server", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(await token({ sub: "alice", tenant: "acme" })));
    expect((await client.callTool({ name: "echo", arguments: { text: "jwt" } })).content).toEqual([{ type: "text", text: "jwt" }]);
    const meta = await (await fetch(`${gw.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(meta).toMatchObject({ resource: RESOURCE, authorization_servers: [issuer.issuer] });
  });

  test("expired, wrong audience, wrong issuer, bad signature: 401 with invalid_token and the metadata URL", async () => {
    const good = await token({ sub: "a", tenant: "t" });
    const other = await token({ sub: "root", tenant: "t" });
    const badSig = `${good.split(".").slice(0, 2).join(".")}.${other.split(".")[2]}`;
    const bad = [
      await token({ sub: "a", tenant: "t" }, { expSeconds: -300 }),
      await token({ sub: "a", tenant: "t", aud: "https://elsewhere/mcp" }),
      await token({ sub: "a", tenant: "t" }, { iss: "https://not-the-issuer" }),
      badSig,
    ];
    for (const t of bad) {
      const res = await rawPost(gw.mcpUrl, ping, bearer(t));
      expect(res.status).toBe(401);
      const challenge = res.headers.get("www-authenticate")!;
      expect(challenge).toStartWith('Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"');
      expect(challenge).toContain('error="invalid_token"');
    }
  });

  test("a session opened by one tenant's token is unknown to another tenant's token", async () => {
    const sid = await rawInitialize(gw.mcpUrl, V, bearer(await token({ sub: "alice", tenant: "acme" })));
    expect((await rawPost(gw.mcpUrl, ping, { ...bearer(await token({ sub: "bob", tenant: "globex" })), ...session(sid) })).status).toBe(404);
    expect((await sseGet(gw.mcpUrl, { ...bearer(await token({ sub: "bob", tenant: "globex" })), ...session(sid) })).status).toBe(404);
    expect((await rawPost(gw.mcpUrl, ping, { ...bearer(await token({ sub: "alice", tenant: "acme" })), ...session(sid) })).status).toBe(200);
  });
});

describe("trusted mesh identity", () => {
  test("the agent is part of the identity: another workload cannot pick up the session", async () => {
    const setup = dataDirWithKeys("acme");
    await using gw = await startTestGateway({ plugins: ["echo"], config: { storage: { dataDir: setup.dataDir }, auth: { mesh: { trustXfcc: true } } } });
    await setup.store.close();
    const key = setup.keys[0]!.key;
    const one = { ...bearer(key), "x-forwarded-client-cert": "By=spiffe://c/ns/gw/sa/mcp;URI=spiffe://c/ns/agents/sa/one" };
    const sid = await rawInitialize(gw.mcpUrl, V, one);
    expect((await rawPost(gw.mcpUrl, ping, { ...one, ...session(sid) })).status).toBe(200);
    expect((await rawPost(gw.mcpUrl, ping, { ...bearer(key), "x-forwarded-client-cert": "URI=spiffe://c/ns/agents/sa/two", ...session(sid) })).status).toBe(404);
    // A peer identity alone authenticates when the mesh is trusted.
    await rawInitialize(gw.mcpUrl, V, { "x-forwarded-client-cert": "URI=spiffe://c/ns/agents/sa/three" });
  });
});

describe("startup and the CLI", () => {
  test("binding a non-loopback address with no authentication refuses to start, saying why", async () => {
    await expect(startTestGateway({ config: { server: { host: "0.0.0.0" } } })).rejects.toThrow(/not a loopback address.*auth\.anonymous: true/);
  });

  test("`mcp-sidecar keys create` prints a key once that a gateway on the same data dir accepts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "authn-cli-"));
    dirs.push(dataDir);
    const proc = Bun.spawn([join(REPO, "bin", "mcp-sidecar"), "keys", "create", "--tenant", "cli-tenant", "--roles", "ops"], {
      cwd: REPO,
      env: { ...process.env, MCP_SIDECAR_STORAGE__DATA_DIR: dataDir },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(0);
    expect(err).toContain("cli-tenant");
    const key = out.trim();
    expect(key).toMatch(/^mcps_/);
    await using gw = await startTestGateway({ plugins: ["echo"], config: { storage: { dataDir } } });
    expect((await rawPost(gw.mcpUrl, ping)).status).toBe(401);
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    expect((await client.callTool({ name: "echo", arguments: { text: "cli" } })).content).toEqual([{ type: "text", text: "cli" }]);
  });
});
