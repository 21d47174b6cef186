import { describe, expect, test } from "bun:test";
import { createLogger } from "../../log.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import type { GatewayError } from "../../protocol/errors.ts";
import { Session } from "../../session/session.ts";
import { ANONYMOUS } from "../chain.ts";
import { Call, PASS, type Outcome, type Principal, type RiskLevel } from "../types.ts";
import { rateLimitConfigSchema } from "./config.ts";
import { Budget, makeLimit, remaining, spend, waitMs } from "./gcra.ts";
import { createRateLimitStage } from "./index.ts";

const quiet = createLogger("silent");

/** Spends one token if the budget has one, like the stage does; returns the wait otherwise. */
const attempt = (b: Budget, now: number): number => {
  const w = waitMs(b, now);
  if (w === 0) spend(b, now);
  return w;
};

describe("GCRA bucket math", () => {
  test("a full bucket passes exactly `burst` calls at once, then says when one more token is back", () => {
    const b = new Budget("tenant", "t", "t:x", makeLimit({ rate: 10, burst: 5 })); // one token per 100 ms
    const t0 = 1_000;
    for (let i = 0; i < 5; i++) expect(attempt(b, t0)).toBe(0);
    expect(remaining(b, t0)).toBe(0);
    expect(attempt(b, t0)).toBeCloseTo(100, 6);
    // 40 ms later the refill is 60 ms away.
    expect(attempt(b, t0 + 40)).toBeCloseTo(60, 6);
  });

  test("retry-after is exact: refused just before it, allowed at it", () => {
    const b = new Budget("tenant", "t", "t:x", makeLimit({ rate: 4, burst: 2 })); // 250 ms per token
    spend(b, 0);
    spend(b, 0);
    const wait = waitMs(b, 0);
    expect(wait).toBeCloseTo(250, 6);
    expect(waitMs(b, wait - 1)).toBeGreaterThan(0);
    expect(attempt(b, wait)).toBe(0);
    expect(attempt(b, wait)).toBeCloseTo(250, 6); // and the next one is a full interval later again
  });

  test("refill: tokens come back at `rate` and never beyond `burst`", () => {
    const b = new Budget("tenant", "t", "t:x", makeLimit({ rate: 2, burst: 3 })); // 500 ms per token
    for (let i = 0; i < 3; i++) attempt(b, 0);
    expect(remaining(b, 0)).toBe(0);
    expect(remaining(b, 500)).toBe(1);
    expect(remaining(b, 1000)).toBe(2);
    expect(remaining(b, 60_000)).toBe(3); // a long idle period still holds only `burst`
    let passed = 0;
    while (attempt(b, 60_000) === 0) passed++;
    expect(passed).toBe(3);
  });

  test("a steady stream at the rate passes forever; faster than the rate it is refused after the burst", () => {
    const b = new Budget("tenant", "t", "t:x", makeLimit({ rate: 100, burst: 10 })); // 10 ms per token
    for (let i = 0; i < 1000; i++) expect(attempt(b, i * 10)).toBe(0);
    const c = new Budget("tenant", "t", "t:y", makeLimit({ rate: 100, burst: 10 }));
    let passed = 0;
    for (let i = 0; i < 100; i++) if (attempt(c, i * 5) === 0) passed++; // 200/s offered for 0.5 s
    // burst + what refilled in 495 ms (49 tokens), give or take the one in flight
    expect(passed).toBeGreaterThanOrEqual(58);
    expect(passed).toBeLessThanOrEqual(60);
  });

  test("rates that are not a whole number of ms per token still grant the whole burst (no float drift)", () => {
    const b = new Budget("tenant", "t", "t:x", makeLimit({ rate: 3, burst: 7 }));
    for (let i = 0; i < 7; i++) expect(attempt(b, 5)).toBe(0);
    expect(attempt(b, 5)).toBeGreaterThan(0);
  });

  test("burst defaults to one second's worth (at least 1); leases cover leaseMs of the rate, capped at burst/4", () => {
    expect(makeLimit({ rate: 20 }).burst).toBe(20);
    expect(makeLimit({ rate: 0.5 }).burst).toBe(1);
    expect(makeLimit({ rate: 1000, burst: 1000 }, 100).leaseSize).toBe(100);
    expect(makeLimit({ rate: 1000, burst: 40 }, 100).leaseSize).toBe(10);
    expect(makeLimit({ rate: 5, burst: 3 }, 100).leaseSize).toBe(1);
  });
});

const principal = (id: string, tenant: string): Principal => ({ ...ANONYMOUS, id, tenant, method: "api_key" });

function toolCall(p: Principal, tool = "echo", risk: RiskLevel = "LOW", method = "tools/call"): Call {
  const call = new Call({ jsonrpc: "2.0", id: 1, method, params: { name: tool, arguments: {} } }, new Session("s", "2025-11-25", undefined, {}), p, {
    transport: "http",
  });
  if (method === "tools/call") call.target = { kind: "tool", name: tool, risk, tags: [] };
  return call;
}

async function stageWith(rateLimit: Record<string, unknown>) {
  const metrics = new MetricsRegistry();
  const built = await createRateLimitStage({ config: { rateLimit: rateLimitConfigSchema.parse(rateLimit) }, log: quiet, metrics });
  const run = (call: Call) => built.stage!.onRequest!(call) as Outcome;
  return { ...built, metrics, run };
}

const errorOf = (o: Outcome) => (o.kind === "reject" ? (o.error as GatewayError) : undefined);
// Slow enough that nothing refills while a test runs.
const SLOW = 0.001;

describe("rate limit stage (local)", () => {
  test("a tenant over its budget is refused with retryAfterMs, naming the budget; another tenant is unaffected", async () => {
    const { run, metrics } = await stageWith({ tenant: { rate: SLOW, burst: 3 } });
    const acme = principal("key:a", "acme");
    const globex = principal("key:g", "globex");
    for (let i = 0; i < 3; i++) expect(run(toolCall(acme))).toBe(PASS);
    const refused = run(toolCall(acme));
    expect(refused.kind).toBe("reject");
    expect(refused.kind === "reject" && refused.outcome).toBe("rate_limited");
    const err = errorOf(refused)!;
    expect(err.kind).toBe("rate_limited");
    expect(err.message).toContain('tenant "acme"');
    expect((err.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(900_000); // 1000 s per token
    for (let i = 0; i < 3; i++) expect(run(toolCall(globex))).toBe(PASS);
    expect(metrics.render()).toContain('rate_limited_total{scope="tenant"} 1');
  });

  test("per-principal budgets within one tenant", async () => {
    const { run } = await stageWith({ principal: { rate: SLOW, burst: 1 } });
    expect(run(toolCall(principal("alice", "acme")))).toBe(PASS);
    expect(errorOf(run(toolCall(principal("alice", "acme"))))?.message).toContain('principal "alice"');
    expect(run(toolCall(principal("bob", "acme")))).toBe(PASS);
  });

  test("per-tool budgets: override by name beats per-risk default beats the tool default", async () => {
    const { run } = await stageWith({
      tool: { rate: SLOW, burst: 5 },
      risk: { HIGH: { rate: SLOW, burst: 2 } },
      tools: { echo: { rate: SLOW, burst: 1 } },
    });
    const p = principal("alice", "acme");
    const passes = (tool: string, risk: RiskLevel) => {
      let n = 0;
      while (run(toolCall(p, tool, risk)).kind === "pass") n++;
      return n;
    };
    expect(passes("echo", "HIGH")).toBe(1);
    expect(passes("delete_all", "HIGH")).toBe(2);
    expect(passes("search", "LOW")).toBe(5);
    expect(errorOf(run(toolCall(p, "echo")))?.message).toContain('tool "echo" for tenant "acme"');
    // Tool budgets are per tenant by default: another tenant has its own.
    expect(run(toolCall(principal("x", "globex"), "echo"))).toBe(PASS);
  });

  test("toolScope global: one budget per tool shared by every tenant", async () => {
    const { run } = await stageWith({ tools: { echo: { rate: SLOW, burst: 2 } }, toolScope: "global" });
    expect(run(toolCall(principal("a", "acme")))).toBe(PASS);
    expect(run(toolCall(principal("g", "globex")))).toBe(PASS);
    expect(errorOf(run(toolCall(principal("h", "hooli"))))?.message).toContain('tool "echo"');
  });

  test("a call refused by one budget spends nothing from the others", async () => {
    const { run } = await stageWith({ tenant: { rate: SLOW, burst: 3 }, tools: { echo: { rate: SLOW, burst: 1 } } });
    const p = principal("alice", "acme");
    expect(run(toolCall(p, "echo"))).toBe(PASS);
    for (let i = 0; i < 5; i++) expect(errorOf(run(toolCall(p, "echo")))?.data).toMatchObject({ scope: "tool" });
    // The tenant still has 2 of 3 tokens: the five refused echo calls did not touch it.
    expect(run(toolCall(p, "other"))).toBe(PASS);
    expect(run(toolCall(p, "other"))).toBe(PASS);
    expect(errorOf(run(toolCall(p, "other")))?.data).toMatchObject({ scope: "tenant" });
  });

  test("the longest wait wins when several budgets are spent", async () => {
    const { run } = await stageWith({ tenant: { rate: 1, burst: 1 }, principal: { rate: SLOW, burst: 1 } });
    const p = principal("alice", "acme");
    expect(run(toolCall(p))).toBe(PASS);
    const err = errorOf(run(toolCall(p)))!;
    expect(err.data).toMatchObject({ scope: "principal" });
    expect((err.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(1000);
  });

  test("only the configured methods spend tokens (listings are free by default, counted with methods: '*')", async () => {
    const free = await stageWith({ tenant: { rate: SLOW, burst: 1 } });
    for (let i = 0; i < 5; i++) expect(free.run(toolCall(ANONYMOUS, "", "LOW", "tools/list"))).toBe(PASS);
    const all = await stageWith({ tenant: { rate: SLOW, burst: 1 }, methods: "*" });
    expect(all.run(toolCall(ANONYMOUS, "", "LOW", "tools/list"))).toBe(PASS);
    expect(all.run(toolCall(ANONYMOUS, "", "LOW", "tools/list")).kind).toBe("reject");
  });

  test("with no budget configured there is no stage at all (zero cost)", async () => {
    const built = await createRateLimitStage({ config: { rateLimit: rateLimitConfigSchema.parse({}) }, log: quiet, metrics: new MetricsRegistry() });
    expect(built.stage).toBeUndefined();
  });

  test("the pass path is synchronous and cheap (measured: well under a microsecond per call)", async () => {
    const { run } = await stageWith({ tenant: { rate: 1e9, burst: 1e9 }, principal: { rate: 1e9, burst: 1e9 }, tool: { rate: 1e9, burst: 1e9 } });
    const call = toolCall(principal("alice", "acme"));
    for (let i = 0; i < 10_000; i++) run(call);
    const n = 200_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) if (run(call) !== PASS) throw new Error("refused");
    const perCallUs = ((performance.now() - t) * 1000) / n;
    // Generous bound for loaded CI machines; bench/ratelimit.bench.ts has the real figure.
    expect(perCallUs).toBeLessThan(2);
  });

  test("config errors name what is wrong", () => {
    expect(() => rateLimitConfigSchema.parse({ tenant: { rate: 0 } })).toThrow();
    expect(() => rateLimitConfigSchema.parse({ tenant: { rate: 1, burst: 1.5 } })).toThrow();
    expect(() => rateLimitConfigSchema.parse({ redis: { url: "http://x" } })).toThrow(/token/);
    expect(() => rateLimitConfigSchema.parse({ redis: { url: "mysql://x" } })).toThrow(/redis:\/\//);
    expect(() => rateLimitConfigSchema.parse({ tenant: { rate: 1, brust: 2 } })).toThrow();
  });
});
