/**
 * Shared budgets through real Redis: the machine's Redis on 6379 under a private key prefix (cleaned up),
 * and a private redis-server of our own for the outage test (stopped and restarted mid-test).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../log.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import type { GatewayError } from "../../protocol/errors.ts";
import { Session } from "../../session/session.ts";
import { startPrivateRedis, waitFor, type PrivateRedis } from "../../../test/helpers/redis-server.ts";
import { startUpstashRest } from "../../../test/helpers/upstash-rest.ts";
import { ANONYMOUS } from "../chain.ts";
import { Call, PASS, type Outcome, type Principal } from "../types.ts";
import { rateLimitConfigSchema } from "./config.ts";
import { createRateLimitStage } from "./index.ts";
import { BunRedisStore, openRateLimitStore } from "../../adapters/redis/rate-limit-store.ts";
import type { RateLimitStore } from "../../ports/rate-limit-store.ts";

const SHARED_REDIS = "redis://127.0.0.1:6379";
const PREFIX = `mcp-sidecar-test:rl:${crypto.randomUUID()}:`;
const SLOW = 0.001; // nothing refills while a test runs

// The machine's Redis is used by the basic shared-budget test only, under this run's prefix; everything
// else runs on a private redis-server of our own.
let priv: PrivateRedis;
beforeAll(async () => {
  priv = await startPrivateRedis();
});
afterAll(async () => {
  await priv.stop();
  const admin = new BunRedisStore(SHARED_REDIS, 1000);
  await admin.ping();
  let cursor = "0";
  do {
    const [next, keys] = (await admin.send("SCAN", [cursor, "MATCH", `${PREFIX}*`, "COUNT", "1000"])) as [string, string[]];
    if (keys.length) await admin.send("DEL", keys);
    cursor = next;
  } while (cursor !== "0");
  admin.close();
});

const principal = (id: string, tenant: string): Principal => ({ ...ANONYMOUS, id, tenant, method: "api_key" });
const toolCall = (p: Principal) => {
  const call = new Call({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } }, new Session("s", "2025-11-25", undefined, {}), p, {
    transport: "http",
  });
  call.target = { kind: "tool", name: "echo", risk: "LOW", tags: [] };
  return call;
};

async function replica(rateLimit: Record<string, unknown>, store?: RateLimitStore) {
  const logs: string[] = [];
  const metrics = new MetricsRegistry();
  const built = await createRateLimitStage({
    config: { rateLimit: rateLimitConfigSchema.parse(rateLimit) },
    log: createLogger("debug", {}, (l) => void logs.push(l)),
    metrics,
    openStore: openRateLimitStore,
    store,
  });
  const run = async (p: Principal): Promise<Outcome> => await built.stage!.onRequest!(toolCall(p));
  const passes = async (p: Principal, max = 100) => {
    let n = 0;
    while (n < max && (await run(p)).kind === "pass") n++;
    return n;
  };
  return { ...built, logs, metrics, run, passes, [Symbol.asyncDispose]: built.close };
}

const acme = principal("alice", "acme");
const errorOf = (o: Outcome) => (o.kind === "reject" ? (o.error as GatewayError) : undefined);

describe("rate limit shared through Redis", () => {
  test("two replicas on one Redis share a tenant budget; an idle replica gives its lease back", async () => {
    const cfg = { tenant: { rate: SLOW, burst: 6 }, redis: { url: SHARED_REDIS, prefix: `${PREFIX}a:`, leaseIdleMs: 100 } };
    await using a = await replica(cfg);
    await using b = await replica(cfg);
    expect(await a.passes(acme, 2)).toBe(2);
    const nb = await b.passes(acme);
    // Without sharing b would pass 6. a spent 2 and holds at most one leased token (lease size 1 here).
    expect(nb).toBeGreaterThanOrEqual(3);
    expect(nb).toBeLessThanOrEqual(4);
    const refused = errorOf(await b.run(acme))!;
    expect(refused.kind).toBe("rate_limited");
    expect(refused.message).toContain("shared across replicas");
    // a goes idle: within leaseIdleMs it returns what it holds, and b can spend it; never more than 6 in all.
    let late = 0;
    if (nb === 3) {
      await waitFor("a's idle lease to come back to b", async () => (await b.run(acme)).kind === "pass");
      late = 1;
    }
    expect(2 + nb + late).toBe(6);
  });

  test("a held lease makes the pass path synchronous: Redis is asked about once per lease, not per call", async () => {
    let takes = 0;
    const inner = new BunRedisStore(priv.url, 1000);
    const counting: RateLimitStore = {
      kind: "redis",
      location: inner.location,
      take: (...args) => (takes++, inner.take(...args)),
      ping: () => inner.ping(),
      close: () => inner.close(),
    };
    await using r = await replica({ tenant: { rate: 100_000, burst: 100_000 }, redis: { url: priv.url, prefix: `${PREFIX}b:` } }, counting);
    const calls = 20_000;
    let sync = 0;
    for (let i = 0; i < calls; i++) {
      const o = r.stage!.onRequest!(toolCall(acme));
      if (o === PASS) sync++;
      else expect((await o).kind).toBe("pass");
      // Real traffic interleaves I/O; let background lease requests complete now and then.
      if (i % 500 === 0) await Bun.sleep(0);
    }
    // Lease size here: 100 ms of 100k/s = 10,000 tokens; refetched at half.
    expect(takes).toBeLessThan(calls / 1000);
    expect(sync / calls).toBeGreaterThan(0.99);
  });

  test("the Upstash REST path (https:// endpoints) shares the same budget as the RESP path", async () => {
    // A local Bun.serve speaking the Upstash REST protocol in front of our private Redis (see the helper),
    // whose script cache we flush first so the EVALSHA -> NOSCRIPT -> EVAL path runs too.
    const flush = new BunRedisStore(priv.url, 1000);
    await flush.ping();
    await flush.send("SCRIPT", ["FLUSH"]);
    flush.close();
    await using rest = await startUpstashRest(priv.url);
    const cfg = { tenant: { rate: SLOW, burst: 4 } };
    await using viaRest = await replica({ ...cfg, redis: { url: rest.url, token: rest.token, prefix: `${PREFIX}c:` } });
    await using viaResp = await replica({ ...cfg, redis: { url: priv.url, prefix: `${PREFIX}c:` } });
    expect(viaRest.shared!.up).toBe(true);
    expect(await viaRest.passes(acme, 2)).toBe(2);
    const n = await viaResp.passes(acme);
    expect(n).toBeLessThanOrEqual(2);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(rest.commands.get("EVALSHA")).toBeGreaterThan(0);
    expect(rest.commands.get("EVAL")).toBe(1); // once, after NOSCRIPT; EVALSHA from then on
    expect(viaRest.logs.join("")).toContain("shared through Redis");
  });

  test("Redis outage: calls keep being served under local limits (said once), sharing resumes when it is back", async () => {
    await using redis = await startPrivateRedis();
    const cfg = { tenant: { rate: SLOW, burst: 3 }, redis: { url: redis.url, prefix: `${PREFIX}d:`, healthMs: 50, timeoutMs: 200 } };
    await using a = await replica(cfg);
    await using b = await replica(cfg);

    // Shared: a spends the tenant's budget, b is refused.
    expect(await a.passes(acme)).toBe(3);
    expect(errorOf(await b.run(acme))?.message).toContain("shared across replicas");
    expect(a.metrics.render()).toContain("rate_limit_redis_up 1");

    await redis.stop();
    // A call for a budget no replica holds a lease for notices the outage itself and is decided locally.
    const globex = principal("gina", "globex");
    expect((await b.run(globex)).kind).toBe("pass");
    await waitFor("both replicas to notice the outage", () => !a.shared!.up && !b.shared!.up);
    // Served under local limits: each replica now has its own budget of 3 for acme.
    expect(await b.passes(acme)).toBe(3);
    expect(errorOf(await b.run(acme))?.message).toContain("this replica");
    expect(await a.passes(acme)).toBe(3);
    expect(b.metrics.render()).toContain("rate_limit_redis_up 0");
    expect(b.metrics.render()).toMatch(/rate_limited_total\{scope="tenant"\} [1-9]/);
    const outageWarnings = (logs: string[]) => logs.filter((l) => l.includes("Redis is unreachable")).length;
    expect(outageWarnings(a.logs)).toBe(1);
    expect(outageWarnings(b.logs)).toBe(1);

    await redis.start(); // empty: the old shared state is gone with the process
    await waitFor("both replicas to see Redis again", () => a.shared!.up && b.shared!.up);
    expect(a.logs.some((l) => l.includes("Redis is back"))).toBe(true);
    expect(a.metrics.render()).toContain("rate_limit_redis_up 1");
    // Shared again: what a spends, b cannot.
    expect(await a.passes(acme)).toBe(3);
    const refused = errorOf(await b.run(acme))!;
    expect(refused.message).toContain("shared across replicas");
    expect((refused.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  });

  test("a gateway started while Redis is down serves under local limits and says so", async () => {
    await using redis = await startPrivateRedis();
    await redis.stop();
    await using r = await replica({ tenant: { rate: SLOW, burst: 2 }, redis: { url: redis.url, prefix: `${PREFIX}e:`, healthMs: 50, timeoutMs: 200 } });
    expect(r.shared!.up).toBe(false);
    expect(r.logs.some((l) => l.includes("Redis is unreachable"))).toBe(true);
    expect(await r.passes(acme)).toBe(2);
    await redis.start();
    await waitFor("Redis to be seen", () => r.shared!.up);
  });
});
