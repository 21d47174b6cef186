/**
 * Budgets shared across replicas through Redis, by LOCAL LEASES (bench/ratelimit.bench.ts has the figures
 * that chose this over a script per call and over batched sync; see ./README.md):
 *
 * - Each replica takes a few tokens at a time from the shared bucket (one atomic Lua script behind the
 *   RateLimitStore port, src/ports/rate-limit-store.ts; the Redis adapters are in src/adapters/redis/) and
 *   spends them locally: a call holding a lease for every budget passes synchronously, with no I/O.
 * - When a lease runs down to half, the next one is fetched in the background, so a steady stream of calls
 *   never waits; only a call that finds a lease empty (first call of a key, a burst) awaits one round trip.
 * - Redis saying "empty" is remembered (until its refill time, at most `leaseIdleMs`): refusals cost no
 *   round trip either.
 * - The shared total can never be exceeded (tokens exist once, in Redis); the price is tokens held in
 *   another replica's lease, given back after `leaseIdleMs` of idleness.
 *
 * Outage: any failed or slow command marks Redis down (warn once, gauge 0) and calls are decided by the
 * local buckets (./local.ts) until a health ping succeeds; then leases restart from scratch.
 */
import type { Logger } from "../../log.ts";
import { PASS, type Outcome } from "../types.ts";
import type { BudgetTable } from "./budgets.ts";
import type { Budget } from "./gcra.ts";
import { checkLocal, type Refuser } from "./local.ts";
import type { RateLimitStore } from "../../ports/rate-limit-store.ts";

export class StoreTimeout extends Error {
  override name = "StoreTimeout";
}

/** Rejects after `ms`: a Redis that hangs is treated like one that is gone. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StoreTimeout(`no answer from Redis within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export interface SharedOptions {
  prefix: string;
  timeoutMs: number;
  healthMs: number;
  leaseIdleMs: number;
}

/** Returned by the synchronous check when a lease must be fetched first. */
const FETCH = Symbol("fetch");
/** Attempts to get leases before a call gives up (many callers racing for the same few tokens). */
const MAX_ATTEMPTS = 4;

export class SharedBudgets {
  up = true;
  /** Bumped on every outage and recovery: answers to requests of an older epoch are dropped. */
  private epoch = 0;
  private probing = false;
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly store: RateLimitStore,
    private readonly table: BudgetTable,
    private readonly refuser: Refuser,
    private readonly log: Logger,
    private readonly opts: SharedOptions,
  ) {}

  /** Checks Redis once (the gateway starts either way), then keeps watching it and returning idle leases. */
  async start(): Promise<void> {
    await this.probe();
    if (this.up) this.log.info("rate limit budgets are shared through Redis", { store: this.store.kind, redis: this.store.location });
    this.timers.push(setInterval(() => void this.probe(), this.opts.healthMs));
    this.timers.push(setInterval(() => this.returnIdleLeases(performance.now()), this.opts.leaseIdleMs));
    for (const t of this.timers) t.unref?.();
  }

  check(now: number, a: Budget | undefined, b: Budget | undefined, c: Budget | undefined): Outcome | Promise<Outcome> {
    const r = this.tryLeases(now, a, b, c);
    return r === FETCH ? this.fetchThenCheck(a, b, c) : r;
  }

  /** Synchronous: PASS if every budget holds a lease, a refusal if Redis said one is empty, else FETCH. */
  private tryLeases(now: number, a: Budget | undefined, b: Budget | undefined, c: Budget | undefined): Outcome | typeof FETCH {
    let worst: Budget | undefined;
    let wait = 0;
    let missing = false;
    for (let i = 0; i < 3; i++) {
      const x = i === 0 ? a : i === 1 ? b : c;
      if (x === undefined || x.lease > 0) continue;
      if (x.emptyUntil > now) {
        if (x.retryAt - now > wait) (wait = x.retryAt - now), (worst = x);
      } else missing = true;
    }
    if (worst !== undefined) return this.refuser.refuse(worst, wait, true);
    if (missing) return FETCH;
    if (a !== undefined) this.spend(a, now);
    if (b !== undefined) this.spend(b, now);
    if (c !== undefined) this.spend(c, now);
    return PASS;
  }

  private spend(x: Budget, now: number): void {
    x.lease--;
    x.lastUsed = now;
    if (x.lease <= x.limit.leaseSize >> 1 && x.fetching === undefined) void this.fetch(x);
  }

  private async fetchThenCheck(a: Budget | undefined, b: Budget | undefined, c: Budget | undefined): Promise<Outcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = performance.now();
      const pending: Promise<void>[] = [];
      for (const x of [a, b, c]) {
        if (x !== undefined && x.lease === 0 && x.emptyUntil <= now) pending.push(x.fetching ?? this.fetch(x));
      }
      await Promise.all(pending);
      // Redis went away while we waited: this call, like every other, is decided locally.
      if (!this.up) return checkLocal(this.refuser, performance.now(), a, b, c);
      const r = this.tryLeases(performance.now(), a, b, c);
      if (r !== FETCH) return r;
    }
    // Other calls took every token we fetched; tell this one to come back after about one token's refill.
    const x = (a ?? b ?? c)!;
    return this.refuser.refuse(x, x.limit.intervalMs, true);
  }

  private fetch(x: Budget): Promise<void> {
    const epoch = this.epoch;
    const p = withTimeout(this.store.take(this.opts.prefix + x.key, x.limit.perMs, x.limit.burst, x.limit.leaseSize), this.opts.timeoutMs)
      .then(
        (r) => {
          if (epoch !== this.epoch) return;
          x.lease += r.granted;
          if (r.granted > 0) x.emptyUntil = 0;
          else {
            // Ask again no later than leaseIdleMs: another replica may give back its lease before the refill.
            const now = performance.now();
            x.retryAt = now + r.waitMs;
            x.emptyUntil = now + Math.min(r.waitMs, this.opts.leaseIdleMs);
          }
        },
        (err) => this.markDown(err),
      )
      .finally(() => {
        if (x.fetching === p) x.fetching = undefined;
      });
    x.fetching = p;
    return p;
  }

  /** Gives back what an idle replica holds, so other replicas can spend it. */
  private returnIdleLeases(now: number): void {
    if (!this.up) return;
    for (const x of this.table.all()) {
      if (x.lease > 0 && x.fetching === undefined && now - x.lastUsed >= this.opts.leaseIdleMs) void this.giveBack(x);
    }
  }

  private giveBack(x: Budget): Promise<void> {
    const n = x.lease;
    x.lease = 0;
    return withTimeout(this.store.take(this.opts.prefix + x.key, x.limit.perMs, x.limit.burst, -n), this.opts.timeoutMs).then(
      () => {},
      (err) => this.markDown(err),
    );
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await withTimeout(this.store.ping(), this.opts.timeoutMs);
      if (!this.up) this.markUp();
    } catch (err) {
      this.markDown(err);
    } finally {
      this.probing = false;
    }
  }

  private markDown(err: unknown): void {
    if (!this.up) return;
    this.up = false;
    this.resetLeases();
    this.log.warn("rate limit: Redis is unreachable; serving under local per-replica limits until it returns", {
      redis: this.store.location,
      error: String((err as Error)?.message ?? err),
    });
  }

  private markUp(): void {
    this.resetLeases();
    this.up = true;
    this.log.info("rate limit: Redis is back; budgets are shared across replicas again", { redis: this.store.location });
  }

  /** Leases and "empty" answers belong to the Redis state of their epoch; start over after a change. */
  private resetLeases(): void {
    this.epoch++;
    for (const x of this.table.all()) {
      x.lease = 0;
      x.emptyUntil = 0;
      x.fetching = undefined;
    }
  }

  /** Stops the timers and gives every held lease back (bounded by the command timeout). */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    if (this.up) {
      const held = [...this.table.all()].filter((x) => x.lease > 0);
      await Promise.all(held.map((x) => this.giveBack(x)));
    }
    this.store.close();
  }
}
