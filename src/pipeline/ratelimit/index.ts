/**
 * Rate limiting, the first per-message stage (see ../chain.ts for why it stands there).
 *
 * Budgets per tenant, per principal and per tool come from the `rateLimit` config section (./config.ts).
 * Local by default: in-process GCRA buckets, decided synchronously (./local.ts). With `rateLimit.redis`,
 * budgets are shared across replicas through leases taken from Redis (./shared.ts), and decided locally
 * again while Redis is away. A refused call gets JSON-RPC -32013 with `data.retryAfterMs`.
 */
import type { Logger } from "../../log.ts";
import { CallbackGauge, Counter, type MetricsRegistry } from "../../metrics/registry.ts";
import { PASS, type Stage } from "../types.ts";
import { BudgetTable } from "./budgets.ts";
import type { RateLimitConfig } from "./config.ts";
import { checkLocal, Refuser } from "./local.ts";
import { SharedBudgets } from "./shared.ts";
import type { OpenRateLimitStore, RateLimitStore } from "../../ports/rate-limit-store.ts";

export { rateLimitConfigSchema, type RateLimitConfig } from "./config.ts";

export interface RateLimitDeps {
  config: { rateLimit: RateLimitConfig };
  log: Logger;
  metrics: MetricsRegistry;
  /** Opens the shared store `rateLimit.redis` names (the Redis adapter, injected by src/core.ts). */
  openStore?: OpenRateLimitStore;
  /** Tests inject a ready store instead (e.g. to count commands). */
  store?: RateLimitStore;
}

export interface RateLimitStage {
  /** Undefined when no budget is configured: the chain then skips rate limiting entirely. */
  stage: Stage | undefined;
  /** The shared-budget state, when Redis is configured (tests read `up`). */
  shared: SharedBudgets | undefined;
  close(): Promise<void>;
}

/** Idle budgets (full buckets, no lease) are dropped this often, bounding memory to active keys. */
const SWEEP_MS = 10_000;

export async function createRateLimitStage(deps: RateLimitDeps): Promise<RateLimitStage> {
  const cfg = deps.config.rateLimit;
  const table = new BudgetTable(cfg);
  if (table.empty) return { stage: undefined, shared: undefined, close: async () => {} };

  const log = deps.log.child({ stage: "rateLimit" });
  const refuser = new Refuser(
    deps.metrics.register(new Counter("rate_limited_total", "Calls refused by a rate limit, by the budget that refused them", ["scope"])),
  );

  let shared: SharedBudgets | undefined;
  if (cfg.redis) {
    const r = cfg.redis;
    const store = deps.store ?? deps.openStore?.({ url: r.url, token: r.token, timeoutMs: r.timeoutMs });
    if (store === undefined) throw new Error("rateLimit.redis is configured but no Redis adapter was injected (openStore)");
    shared = new SharedBudgets(store, table, refuser, log, {
      prefix: r.prefix,
      timeoutMs: r.timeoutMs,
      healthMs: r.healthMs,
      leaseIdleMs: r.leaseIdleMs,
    });
    const s = shared;
    deps.metrics.register(
      new CallbackGauge("rate_limit_redis_up", "1 while rate-limit budgets are shared through Redis, 0 while decided locally", [], () => [[{}, s.up ? 1 : 0]]),
    );
    await shared.start();
  }

  const methods = cfg.methods === "*" ? undefined : new Set(cfg.methods);
  const sweeper = setInterval(() => table.sweep(performance.now()), SWEEP_MS);
  sweeper.unref?.();

  const stage: Stage = {
    name: "rateLimit",
    onRequest(call) {
      if (methods !== undefined && !methods.has(call.method)) return PASS;
      const tenant = call.principal.tenant;
      const a = table.tenant(tenant);
      const b = table.principal(call.principal);
      const c = table.tool(tenant, call.target);
      if (a === undefined && b === undefined && c === undefined) return PASS;
      // The Call's creation time is "now": reading the clock again costs 75-120 ns on these machines,
      // more than the three bucket checks together (bench/ratelimit.bench.ts).
      const now = call.t0;
      return shared !== undefined && shared.up ? shared.check(now, a, b, c) : checkLocal(refuser, now, a, b, c);
    },
  };

  return {
    stage,
    shared,
    close: async () => {
      clearInterval(sweeper);
      await shared?.close();
    },
  };
}
