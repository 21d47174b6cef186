/**
 * What a rate-limit check costs, and which way of sharing budgets through Redis to use
 * (src/pipeline/ratelimit/README.md has the figures and the choice):
 *
 *  1. local GCRA, pass and refusal paths (3 budgets per call), objects allocated per passing call;
 *  2. shared, one atomic Lua script per call (RESP, Bun's client): latency alone, throughput 64 in flight;
 *  3. shared, local leases (what the stage does): same measures, plus Redis commands per call;
 *  4. the same per-call script over the Upstash REST protocol (a local HTTP bridge: a floor, not a WAN);
 *  5. accuracy with two replicas offering 3x the budget for 2 s: admitted vs allowed, leases vs script,
 *     and what batched sync would admit by construction.
 *
 * Runs against a private redis-server on a free port (never the shared one).
 * Run: npx bun bench/ratelimit.bench.ts
 */
import { heapStats } from "bun:jsc";
import { createLogger } from "../src/log.ts";
import { MetricsRegistry } from "../src/metrics/registry.ts";
import { ANONYMOUS } from "../src/pipeline/chain.ts";
import { rateLimitConfigSchema } from "../src/pipeline/ratelimit/config.ts";
import { createRateLimitStage } from "../src/pipeline/ratelimit/index.ts";
import { BunRedisStore, openRateLimitStore, UpstashStore } from "../src/adapters/redis/rate-limit-store.ts";
import type { RateLimitStore } from "../src/ports/rate-limit-store.ts";
import { Call, PASS, type Outcome, type Principal } from "../src/pipeline/types.ts";
import { Session } from "../src/session/session.ts";
import { startPrivateRedis } from "../test/helpers/redis-server.ts";
import { startUpstashRest } from "../test/helpers/upstash-rest.ts";

const quiet = createLogger("silent");
const fmt = (x: number, d = 2) => x.toFixed(d);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const alice: Principal = { ...ANONYMOUS, id: "alice", tenant: "acme", method: "api_key" };
function toolCall(p: Principal = alice): Call {
  const call = new Call({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } }, new Session("s", "2025-11-25", undefined, {}), p, {
    transport: "http",
  });
  call.target = { kind: "tool", name: "echo", risk: "LOW", tags: [] };
  return call;
}

async function stage(rateLimit: Record<string, unknown>, store?: RateLimitStore) {
  return createRateLimitStage({ config: { rateLimit: rateLimitConfigSchema.parse(rateLimit) }, log: quiet, metrics: new MetricsRegistry(), openStore: openRateLimitStore, store });
}

const HUGE = { rate: 1e9, burst: 1e9 };

async function local(): Promise<void> {
  const { stage: s } = await stage({ tenant: HUGE, principal: HUGE, tool: HUGE });
  const call = toolCall();
  const n = 2_000_000;
  for (let i = 0; i < 100_000; i++) s!.onRequest!(call);
  Bun.gc(true);
  const before = heapStats().objectCount;
  let t = performance.now();
  for (let i = 0; i < n; i++) if (s!.onRequest!(call) !== PASS) throw new Error("refused");
  const passNs = ((performance.now() - t) * 1e6) / n;
  const objects = heapStats().objectCount - before;
  const { stage: r } = await stage({ tenant: { rate: 0.001, burst: 1 } });
  r!.onRequest!(call);
  const m = 200_000;
  t = performance.now();
  for (let i = 0; i < m; i++) r!.onRequest!(call);
  const refuseNs = ((performance.now() - t) * 1e6) / m;
  let sink = 0;
  t = performance.now();
  for (let i = 0; i < m; i++) sink += performance.now();
  const clockNs = ((performance.now() - t) * 1e6) / m;
  console.log(`1. local GCRA, 3 budgets/call: pass ${fmt(passNs, 0)} ns/call, refusal ${fmt(refuseNs, 0)} ns/call; ` +
    `objects alive after ${n / 1e6}M passes without GC: ${objects} (${fmt(objects / n, 4)}/call); ` +
    `for scale, one performance.now() read costs ${fmt(clockNs, 0)} ns here${sink ? "" : "!"}`);
}

/** Latency of one call at a time, then throughput with `inFlight` concurrent callers. */
async function measure(label: string, check: () => Outcome | Promise<Outcome>, calls: number, inFlight = 64, commands?: () => number): Promise<void> {
  const lat: number[] = [];
  const c0 = commands?.() ?? 0;
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const o = check();
    if (o !== PASS && (await o).kind !== "pass") throw new Error(`${label}: refused`);
    lat.push((performance.now() - t) * 1000);
  }
  const seqCmds = (commands?.() ?? 0) - c0;
  let done = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (done < calls) {
        done++;
        const o = check();
        if (o !== PASS) await o;
        else if (done % 256 === 0) await null; // let other callers and I/O in, as a server would
      }
    }),
  );
  const rate = calls / ((performance.now() - t) / 1000);
  const perCall = commands ? `, Redis commands/call ${fmt(seqCmds / calls, 4)}` : "";
  console.log(`${label}: one at a time p50 ${fmt(pct(lat, 0.5))} µs p99 ${fmt(pct(lat, 0.99))} µs; ${inFlight} in flight ${fmt(rate / 1000, 1)}k calls/s${perCall}`);
}

async function shared(url: string): Promise<void> {
  const store = new BunRedisStore(url, 1000);
  await store.ping();
  await measure("2. Lua script per call (RESP)", () => store.take("bench:script", 1e6, 1e9, 1).then((r) => (r.granted ? PASS : { kind: "pass" } as Outcome)), 50_000);

  let takes = 0;
  const counting: RateLimitStore = { kind: "redis", location: store.location, take: (...a) => (takes++, store.take(...a)), ping: () => store.ping(), close: () => {} };
  const { stage: s, close } = await stage({ tenant: HUGE, principal: HUGE, tool: HUGE, redis: { url, prefix: "bench:lease:", leaseMs: 1e-4 } }, counting);
  const call = toolCall();
  // leaseMs chosen so each lease is 100 tokens (a budget of 1000/s with the default leaseMs gets the same).
  await measure("3. leases of 100 tokens (the stage, 3 budgets)", () => s!.onRequest!(call), 1_000_000, 64, () => takes);
  await close();
  store.close();
}

async function upstash(url: string): Promise<void> {
  await using rest = await startUpstashRest(url);
  const store = new UpstashStore(rest.url, rest.token);
  await measure("4. Lua script per call (Upstash REST, local bridge)", () => store.take("bench:rest", 1e6, 1e9, 1).then(() => PASS), 3_000);
}

/** Two replicas offer `factor` x the budget's rate for `seconds`; how many calls get through in all? */
async function accuracy(url: string): Promise<void> {
  const rate = 500;
  const burst = 50;
  const seconds = 2;
  const offered = 3;
  const allowed = burst + rate * seconds;
  const run = async (label: string, decide: (replica: number) => Outcome | Promise<Outcome>) => {
    let admitted = 0;
    const end = performance.now() + seconds * 1000;
    const interval = 1000 / (rate * offered);
    await Promise.all(
      [0, 1].map(async (r) => {
        let next = performance.now();
        while (performance.now() < end) {
          let o = decide(r);
          if (o instanceof Promise) o = await o;
          if (o.kind === "pass") admitted++;
          next += interval * 2; // two replicas share the offered load
          const wait = next - performance.now();
          if (wait > 1) await Bun.sleep(wait);
        }
      }),
    );
    console.log(`5. ${label}: admitted ${admitted} of ${allowed} allowed (${fmt((admitted / allowed) * 100, 1)}%)`);
  };
  const prefix = `bench:acc:${crypto.randomUUID()}:`;
  const replicas = await Promise.all([0, 1].map(() => stage({ tenant: { rate, burst }, redis: { url, prefix: `${prefix}lease:` } })));
  await run("leases, 2 replicas", (r) => replicas[r]!.stage!.onRequest!(toolCall()));
  for (const r of replicas) await r.close();
  const store = new BunRedisStore(url, 1000);
  await store.ping();
  await run("script per call, 2 replicas", () =>
    store.take(`${prefix}script`, rate / 1000, burst, 1).then((r): Outcome => (r.granted ? PASS : { kind: "reject", error: undefined as never, outcome: "rate_limited" })),
  );
  store.close();
  console.log(`5. batched sync, 2 replicas (by construction): each replica admits its own view of the bucket until the next sync, ` +
    `so up to ${2 * burst} at the start instead of ${burst}, plus (replicas-1) x rate x interval per sync interval.`);
}

await local();
await using redis = await startPrivateRedis();
await shared(redis.url);
await upstash(redis.url);
await accuracy(redis.url);
