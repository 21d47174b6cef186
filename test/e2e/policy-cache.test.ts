/**
 * The policy decision cache over real HTTP for mesh + token callers: an agent that presents a fresh token
 * for the same identity on every connection (token refresh, per-request minting), through a trusted mesh
 * peer, keeps hitting the cache (mcp_policy_cache_total on /metrics); a token whose roles changed is
 * decided afresh, never from the stale entry.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { BUNDLED_PLUGINS, connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";

const temp = tempFolders();
const SECRET = "policy-cache-e2e-secret-at-least-32-bytes!!";
const ISSUER = "https://idp.policy-cache.test";
const AUDIENCE = "mcp-sidecar-policy-cache";
const PEER = { "x-forwarded-client-cert": "By=spiffe://cluster.local/ns/tools/sa/mcp;URI=spiffe://cluster.local/ns/agents/sa/bot" };

/** A new token each time (its own jti and iat), for the same user, tenant and roles. */
function token(roles: string[]): Promise<string> {
  return new SignJWT({ tenant: "acme", roles, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject("alice")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));
}

let gw: TestGateway;
beforeAll(async () => {
  const dir = temp.make("policy-cache-plugins-");
  cpSync(join(BUNDLED_PLUGINS, "echo"), join(dir, "echo"), { recursive: true });
  // The shipped rbac policy: a tool tagged role:admin is refused to callers without that role.
  writeWatPlugin(dir, { name: "admin_tool", tool: "admin_tool", manifest: { risk: "MEDIUM", tags: ["role:admin"] } });
  gw = await startTestGateway({
    config: {
      plugins: { dir },
      auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, secret: SECRET }, mesh: { trustXfcc: true } },
    },
  });
  temp.adopt(gw.pluginsDir);
});
afterAll(() => gw?.stop());

async function cacheCounts(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const read = (result: string) => Number(text.match(new RegExp(`^mcp_policy_cache_total\\{result="${result}"\\} (\\d+)$`, "m"))?.[1] ?? NaN);
  return { hit: read("hit"), miss: read("miss") };
}

/** One connection with a fresh token through the mesh peer: the call's outcome ("allowed" or the error code). */
async function callAs(roles: string[]): Promise<string> {
  await using client = await connectClient(gw.mcpUrl, {}, { authorization: `Bearer ${await token(roles)}`, ...PEER });
  try {
    const result = await client.callTool({ name: "admin_tool", arguments: {} });
    return result.isError ? "tool error" : "allowed";
  } catch (err) {
    return `error ${(err as { code: number }).code}`;
  }
}

describe("policy decision cache with mesh + token principals", () => {
  test("fresh tokens for the same identity through the same peer hit the cache; changed roles are decided afresh", async () => {
    expect(await callAs(["user"])).toBe("error -32011"); // denied: no admin role
    const first = await cacheCounts();
    expect(first.miss).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 5; i++) expect(await callAs(["user"])).toBe("error -32011");
    const repeated = await cacheCounts();
    expect(repeated.miss).toBe(first.miss); // five new tokens, five new connections: no new miss
    expect(repeated.hit).toBe(first.hit + 5);

    // Same user, same peer, but the token now carries the admin role: not the cached "deny".
    expect(await callAs(["user", "admin"])).toBe("allowed");
    const promoted = await cacheCounts();
    expect(promoted.miss).toBe(repeated.miss + 1);

    // And back: the user-only identity still gets its own (deny) decision, from the cache.
    expect(await callAs(["user"])).toBe("error -32011");
    const back = await cacheCounts();
    expect(back.miss).toBe(promoted.miss);
    expect(back.hit).toBe(promoted.hit + 1);
  });

  test("a different peer (agent) with the same token identity is its own principal and decision", async () => {
    const before = await cacheCounts();
    await using client = await connectClient(gw.mcpUrl, {}, {
      authorization: `Bearer ${await token(["user"])}`,
      "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/agents/sa/other-bot",
    });
    await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect((await cacheCounts()).miss).toBe(before.miss + 1);
  });
});
