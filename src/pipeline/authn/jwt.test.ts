/**
 * JWT bearer tokens through the real authenticator, against a real issuer (Bun.serve on 127.0.0.1:0):
 * discovery, JWKS, rotation, the claims a user configures, and every way a token is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jwtVerify, SignJWT } from "jose";
import { validateConfig } from "../../config/load.ts";
import { createLogger } from "../../log.ts";
import type { AuthResult } from "../chain.ts";
import { createAuthenticator, type BuiltAuthenticator } from "./index.ts";
import { makeKey, TestIssuer } from "./test-issuer.ts";
import { TokenCache } from "./token-cache.ts";

const RESOURCE = "https://mcp.example.test/mcp";
const log = createLogger("silent");
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function authn(jwt: Record<string, unknown>, auth: Record<string, unknown> = {}): Promise<BuiltAuthenticator> {
  const config = validateConfig({ auth: { resource: RESOURCE, apiKeys: { enabled: false }, jwt, ...auth } }, "test");
  const built = await createAuthenticator({ config, log });
  closers.push(built.close);
  return built;
}

const bearer = (token: string) => ({ headers: new Headers({ authorization: `Bearer ${token}`, host: "127.0.0.1:1" }) });
const run = async (a: BuiltAuthenticator, token: string): Promise<AuthResult> => a.authenticator.authenticate(bearer(token));

function expectInvalidToken(result: AuthResult, reason: RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(401);
  expect(result.message).toMatch(reason);
  expect(result.wwwAuthenticate).toContain('resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"');
  expect(result.wwwAuthenticate).toContain('error="invalid_token"');
}

describe("JWT via OIDC discovery (ES256)", () => {
  let issuer: TestIssuer;
  let a: BuiltAuthenticator;
  beforeAll(async () => {
    issuer = await TestIssuer.start("ES256");
    closers.push(() => issuer.stop());
    a = await authn({ issuer: issuer.issuer, jwksCooldownMs: 60_000 });
  });

  test("keys are fetched at start, beside the hot path", () => {
    expect(issuer.discoveryFetches).toBe(1);
    expect(issuer.jwksFetches).toBe(1);
  });

  test("a valid token becomes a principal: user = sub, tenant and roles from claims; a repeat is synchronous", async () => {
    const token = await issuer.sign({ sub: "alice", aud: RESOURCE, tenant: "acme", roles: ["reader", "writer"] });
    const first = await run(a, token);
    expect(first).toMatchObject({ ok: true, principal: { id: `jwt:${issuer.issuer}|alice`, tenant: "acme", user: "alice", roles: ["reader", "writer"], method: "jwt" } });
    const again = a.authenticator.authenticate(bearer(token));
    expect(again instanceof Promise).toBe(false); // the verified-token cache answers without awaiting
    expect(again).toBe(first);
  });

  test("expired, wrong audience, wrong issuer, bad signature, garbage: 401 invalid_token", async () => {
    expectInvalidToken(await run(a, await issuer.sign({ sub: "a", aud: RESOURCE, tenant: "t" }, { expSeconds: -120 })), /expired/);
    expectInvalidToken(await run(a, await issuer.sign({ sub: "a", aud: "https://other.example/mcp", tenant: "t" })), /aud/);
    expectInvalidToken(await run(a, await issuer.sign({ sub: "a", aud: RESOURCE, tenant: "t" }, { iss: "https://evil.example" })), /iss/);
    const good = await issuer.sign({ sub: "a", aud: RESOURCE, tenant: "t" });
    const [h, p] = good.split(".");
    const forged = await issuer.sign({ sub: "root", aud: RESOURCE, tenant: "t" });
    expectInvalidToken(await run(a, `${h}.${p}.${forged.split(".")[2]}`), /signature/);
    expectInvalidToken(await run(a, "not.a.jwt"), /malformed/);
  });

  test("a token without a tenant claim is refused; roles may be a space-separated string", async () => {
    expectInvalidToken(await run(a, await issuer.sign({ sub: "a", aud: RESOURCE })), /tenant/);
    const r = await run(a, await issuer.sign({ sub: "b", aud: RESOURCE, tenant: "t", roles: "ops admin" }));
    expect(r).toMatchObject({ ok: true, principal: { roles: ["ops", "admin"] } });
  });

  test("an HS256 token is refused when only public keys are configured (no algorithm confusion)", async () => {
    const jwk = issuer.published[0]!.publicJwk;
    const token = await new SignJWT({ sub: "a", aud: RESOURCE, tenant: "t" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(issuer.issuer)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    expectInvalidToken(await run(a, token), /algorithm|not allowed/);
  });

  test("key rotation: a new kid is fetched once; unknown kids after that do not hammer the issuer", async () => {
    const k2 = await makeKey("ES256", "k2");
    issuer.published = [issuer.published[0]!, k2];
    const before = issuer.jwksFetches;
    expect(await run(a, await issuer.sign({ sub: "r", aud: RESOURCE, tenant: "t" }, { key: k2 }))).toMatchObject({ ok: true });
    expect(issuer.jwksFetches).toBe(before + 1);
    const rogue = await makeKey("ES256", "rogue");
    for (let i = 0; i < 5; i++) expectInvalidToken(await run(a, await issuer.sign({ sub: `x${i}`, aud: RESOURCE, tenant: "t" }, { key: rogue })), /no key/);
    expect(issuer.jwksFetches).toBe(before + 1); // within the cooldown: no refetch
  });
});

describe("JWT via a JWKS URL, other algorithms and claim names", () => {
  test("RS256 and EdDSA keys from jwksUrl; custom tenant/roles claims; audience override", async () => {
    await using issuer = await TestIssuer.start("RS256");
    issuer.published.push(await makeKey("EdDSA", "ed"));
    const a = await authn({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience: "api://mcp", tenantClaim: "org", rolesClaim: "groups" });
    expect(issuer.discoveryFetches).toBe(0);
    for (const key of issuer.published) {
      const r = await run(a, await issuer.sign({ sub: "svc", aud: "api://mcp", org: "globex", groups: ["ops"] }, { key }));
      expect(r).toMatchObject({ ok: true, principal: { tenant: "globex", roles: ["ops"], user: "svc" } });
    }
  });

  test("HS256 with a shared secret", async () => {
    const secret = "s".repeat(40);
    const a = await authn({ issuer: "https://idp.local", secret });
    const sign = (key: string) =>
      new SignJWT({ sub: "bob", tenant: "t1", aud: RESOURCE }).setProtectedHeader({ alg: "HS256" }).setIssuer("https://idp.local").setExpirationTime("5m").sign(new TextEncoder().encode(key));
    expect(await run(a, await sign(secret))).toMatchObject({ ok: true, principal: { user: "bob", tenant: "t1" } });
    expectInvalidToken(await run(a, await sign("x".repeat(40))), /signature/);
  });

  test("an issuer that is down at start does not stop the gateway; tokens get 401 without invalid_token", async () => {
    const issuer = await TestIssuer.start();
    const url = issuer.issuer;
    const token = await issuer.sign({ sub: "a", aud: RESOURCE, tenant: "t" });
    await issuer.stop();
    const a = await authn({ issuer: url, jwksTimeoutMs: 500 });
    const r = await run(a, token);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toBe(401);
      expect(r.message).toContain("keys are unavailable");
      expect(r.wwwAuthenticate).not.toContain("invalid_token");
    }
  });
});

describe("verified-token cache", () => {
  test("bounded to its size, and an entry is never served after its expiry", () => {
    const cache = new TokenCache<number>(100);
    for (let i = 0; i < 1000; i++) cache.set(`t${i}`, i, 10_000);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.get("t999", 0)).toBe(999);
    expect(cache.get("t0", 0)).toBeUndefined();
    cache.set("short", 1, 5_000);
    expect(cache.get("short", 4_999)).toBe(1);
    expect(cache.get("short", 5_000)).toBeUndefined();
  });

  test("measured: a cache hit through the authenticator vs jose jwtVerify", async () => {
    await using issuer = await TestIssuer.start("ES256");
    const a = await authn({ issuer: issuer.issuer });
    const token = await issuer.sign({ sub: "bench", aud: RESOURCE, tenant: "t" });
    await run(a, token);
    const req = bearer(token);
    const N = 200_000;
    for (let i = 0; i < 10_000; i++) a.authenticator.authenticate(req);
    let t0 = performance.now();
    for (let i = 0; i < N; i++) a.authenticator.authenticate(req);
    const hitUs = ((performance.now() - t0) * 1000) / N;
    const key = await crypto.subtle.importKey("jwk", issuer.published[0]!.publicJwk as JsonWebKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const M = 500;
    t0 = performance.now();
    for (let i = 0; i < M; i++) await jwtVerify(token, key, { issuer: issuer.issuer, audience: RESOURCE });
    const verifyUs = ((performance.now() - t0) * 1000) / M;
    console.log(`authn cache hit ${hitUs.toFixed(2)} µs/request; jose jwtVerify ES256 ${verifyUs.toFixed(1)} µs`);
    expect(hitUs * 10).toBeLessThan(verifyUs);
  });
});
