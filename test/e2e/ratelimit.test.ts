/**
 * Rate limiting end to end over real HTTP: a tenant over its budget gets JSON-RPC -32013 with
 * data.retryAfterMs while another tenant goes on, per-tool budgets, two gateways sharing a budget through
 * the machine's Redis (own key prefix, cleaned up), and a private Redis stopped and restarted under them.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT } from "jose";
import { RedisClient } from "bun";
import { BUNDLED_PLUGINS, connectClient, startTestGateway } from "../helpers/gateway.ts";
import { startPrivateRedis, waitFor } from "../helpers/redis-server.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";

const SLOW = 0.001; // one token per 1000 s: nothing refills while a test runs
const PREFIX = `mcp-sidecar-e2e:rl:${crypto.randomUUID()}:`;
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  // Only this run's keys on the shared Redis.
  const redis = new RedisClient("redis://127.0.0.1:6379");
  let cursor = "0";
  do {
    const [next, keys] = (await redis.send("SCAN", [cursor, "MATCH", `${PREFIX}*`, "COUNT", "1000"])) as [string, string[]];
    if (keys.length) await redis.send("DEL", keys);
    cursor = next;
  } while (cursor !== "0");
  redis.close();
});

/** The bundled echo plus a WAT tool `other`. */
function plugins(): string {
  const dir = mkdtempSync(join(tmpdir(), "ratelimit-e2e-plugins-"));
  dirs.push(dir);
  cpSync(join(BUNDLED_PLUGINS, "echo"), join(dir, "echo"), { recursive: true });
  writeWatPlugin(dir, { name: "other", tool: "other" });
  return dir;
}

interface RpcError {
  code: number;
  message: string;
  data?: { retryAfterMs?: number; scope?: string };
}

/** Calls a tool: null when it succeeded, the JSON-RPC error otherwise. */
async function call(client: Client, name = "echo"): Promise<RpcError | null> {
  try {
    await client.callTool({ name, arguments: { text: "hi" } });
    return null;
  } catch (err) {
    const e = err as RpcError;
    return { code: e.code, message: e.message, data: e.data };
  }
}

/** How many calls in a row succeed (up to max), then the error that stopped them. */
async function spendAll(client: Client, name = "echo", max = 50): Promise<{ passed: number; error: RpcError | null }> {
  for (let passed = 0; passed < max; passed++) {
    const error = await call(client, name);
    if (error) return { passed, error };
  }
  return { passed: max, error: null };
}

describe("rate limiting over HTTP", () => {
  test("a tenant over its budget gets -32013 with retryAfterMs; another tenant is unaffected", async () => {
    const SECRET = "ratelimit-e2e-secret-at-least-32-bytes!!";
    const jwt = (sub: string, tenant: string) =>
      new SignJWT({ tenant })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("https://idp.test")
        .setAudience("ratelimit-e2e")
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(SECRET));
    await using gw = await startTestGateway({
      config: {
        plugins: { dir: plugins() },
        auth: { jwt: { issuer: "https://idp.test", audience: "ratelimit-e2e", secret: SECRET } },
        rateLimit: { tenant: { rate: SLOW, burst: 3 } },
      },
    });
    const as = async (sub: string, tenant: string) => {
      const client = new Client({ name: "ratelimit-e2e", version: "1.0.0" });
      const headers = { authorization: `Bearer ${await jwt(sub, tenant)}` };
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.mcpUrl), { requestInit: { headers } }));
      return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
    };
    await using alice = await as("alice", "acme");
    await using bob = await as("bob", "acme");
    await using gina = await as("gina", "globex");

    expect(await call(alice)).toBeNull();
    expect(await call(bob)).toBeNull();
    expect(await call(alice)).toBeNull();
    const refused = (await call(bob))!;
    expect(refused.code).toBe(-32013);
    expect(refused.message).toContain('tenant "acme"');
    expect(refused.data?.retryAfterMs).toBeGreaterThan(900_000);
    expect(refused.data?.scope).toBe("tenant");
    // globex has its own budget, untouched by acme's flood.
    expect((await spendAll(gina)).passed).toBe(3);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/rate_limited_total\{scope="tenant"\} 2/);
  });

  test("per-tool budgets: echo has its own small budget, other tools and listings go on", async () => {
    await using gw = await startTestGateway({
      config: { plugins: { dir: plugins() }, rateLimit: { tool: { rate: SLOW, burst: 5 }, tools: { echo: { rate: SLOW, burst: 2 } } } },
    });
    await using client = await connectClient(gw.mcpUrl);
    const echo = await spendAll(client, "echo");
    expect(echo.passed).toBe(2);
    expect(echo.error?.code).toBe(-32013);
    expect(echo.error?.message).toContain('tool "echo"');
    expect(echo.error?.data?.retryAfterMs).toBeGreaterThan(0);
    expect((await spendAll(client, "other")).passed).toBe(5);
    // tools/list does not spend tokens by default.
    for (let i = 0; i < 5; i++) expect((await client.listTools()).tools.length).toBe(2);
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(/rate_limited_total\{scope="tool"\} 2/);
  });

  test("two gateways on one Redis share a budget", async () => {
    const rateLimit = { tenant: { rate: SLOW, burst: 5 }, redis: { url: "redis://127.0.0.1:6379", prefix: `${PREFIX}shared:` } };
    await using a = await startTestGateway({ plugins: ["echo"], config: { rateLimit } });
    await using b = await startTestGateway({ plugins: ["echo"], config: { rateLimit } });
    await using ca = await connectClient(a.mcpUrl);
    await using cb = await connectClient(b.mcpUrl);
    expect(await call(ca)).toBeNull();
    expect(await call(ca)).toBeNull();
    const onB = await spendAll(cb);
    // Alone, b would pass 5. a spent 2 and may hold one leased token.
    expect(onB.passed).toBeGreaterThanOrEqual(2);
    expect(onB.passed).toBeLessThanOrEqual(3);
    expect(onB.error?.code).toBe(-32013);
    expect(onB.error?.message).toContain("shared across replicas");
    expect(await (await fetch(`${a.url}/metrics`)).text()).toContain("rate_limit_redis_up 1");
  });

  test("Redis goes away: both gateways keep serving under local limits and say so; sharing resumes when it returns", async () => {
    await using redis = await startPrivateRedis();
    const rateLimit = { tenant: { rate: SLOW, burst: 3 }, redis: { url: redis.url, prefix: `${PREFIX}outage:`, healthMs: 50, timeoutMs: 200 } };
    await using a = await startTestGateway({ plugins: ["echo"], config: { rateLimit } });
    await using b = await startTestGateway({ plugins: ["echo"], config: { rateLimit } });
    await using ca = await connectClient(a.mcpUrl);
    await using cb = await connectClient(b.mcpUrl);
    const redisUp = async (gw: typeof a) => (await (await fetch(`${gw.url}/metrics`)).text()).match(/^rate_limit_redis_up (\d)$/m)?.[1];

    expect((await spendAll(ca)).passed).toBe(3);
    expect((await call(cb))?.message).toContain("shared across replicas");

    await redis.stop();
    await waitFor("both gateways to report rate_limit_redis_up 0", async () => (await redisUp(a)) === "0" && (await redisUp(b)) === "0");
    // Still serving, each gateway under its own local budget of 3.
    const localB = await spendAll(cb);
    expect(localB.passed).toBe(3);
    expect(localB.error?.message).toContain("this replica");
    expect((await spendAll(ca)).passed).toBe(3);
    for (const gw of [a, b]) expect(gw.logs.filter((l) => l.includes("Redis is unreachable")).length).toBe(1);

    await redis.start();
    await waitFor("both gateways to report rate_limit_redis_up 1", async () => (await redisUp(a)) === "1" && (await redisUp(b)) === "1");
    expect(a.logs.some((l) => l.includes("Redis is back"))).toBe(true);
    // Shared again (the restarted Redis is empty, so the budget is full): what a spends, b cannot.
    expect((await spendAll(ca)).passed).toBe(3);
    const refused = await call(cb);
    expect(refused?.code).toBe(-32013);
    expect(refused?.message).toContain("shared across replicas");
  });
});
