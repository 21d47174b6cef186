/**
 * The local bucket math: GCRA (the generic cell rate algorithm), a token bucket stored as one number.
 *
 * Why GCRA rather than {tokens, lastRefill}: its whole state is the "theoretical arrival time" (TAT) of the
 * next call, so a check is two comparisons and an addition, nothing to refill, and a bucket whose TAT is in
 * the past is exactly a full bucket — it can be dropped from memory without losing anything (see sweep).
 *
 *   interval  = 1000 / rate            ms one token takes to refill
 *   tolerance = burst * interval       how far ahead of now the TAT may run
 *   a call at `now` passes iff max(tat, now) + interval - now <= tolerance; then tat = max(tat, now) + interval
 *   otherwise it may retry after (max(tat, now) + interval - now - tolerance) ms
 */
import type { LimitConfig } from "./config.ts";

export type Scope = "tenant" | "principal" | "tool";

export interface Limit {
  readonly rate: number;
  readonly burst: number;
  /** ms per token */
  readonly intervalMs: number;
  /** burst * interval */
  readonly toleranceMs: number;
  /** tokens per ms, for the shared (Redis) bucket */
  readonly perMs: number;
  /** Tokens taken from Redis at a time in shared mode. */
  readonly leaseSize: number;
}

/** Floating-point slack: `burst` additions of `interval` may exceed `tolerance` by a few ulps. */
const EPSILON_MS = 1e-6;

export function makeLimit(cfg: LimitConfig, leaseMs = 100): Limit {
  const burst = cfg.burst ?? Math.max(1, Math.ceil(cfg.rate));
  const intervalMs = 1000 / cfg.rate;
  // A lease covers `leaseMs` of the rate, but never more than a quarter of the burst, so a handful of
  // replicas can each hold one without starving the others.
  const leaseSize = Math.max(1, Math.min(Math.ceil((cfg.rate * leaseMs) / 1000), Math.floor(burst / 4)));
  return { rate: cfg.rate, burst, intervalMs, toleranceMs: burst * intervalMs, perMs: cfg.rate / 1000, leaseSize };
}

/**
 * One budget of one key (a tenant, a principal, a tool): the local GCRA state, plus the lease state used
 * when budgets are shared through Redis (see ./shared.ts). Created once per key; the hot path mutates it.
 */
export class Budget {
  /** Local GCRA: theoretical arrival time of the next call (performance.now() ms). */
  tat = 0;
  /** Shared mode: tokens leased from Redis and not yet spent. */
  lease = 0;
  /** Shared mode: Redis said the bucket is empty; refuse without asking again until then. */
  emptyUntil = 0;
  /** Shared mode: when Redis said the next token will be there (what a refusal reports). */
  retryAt = 0;
  /** Shared mode: the lease request in flight, if any. */
  fetching: Promise<void> | undefined = undefined;
  lastUsed = 0;

  constructor(
    readonly scope: Scope,
    /** Human-readable name for messages, e.g. `tenant "acme"`. */
    readonly label: string,
    /** Key suffix in Redis, unique per scope and key. */
    readonly key: string,
    readonly limit: Limit,
  ) {}
}

/** 0 if one more call fits the local budget now, otherwise the ms until it would. Does not spend. */
export function waitMs(b: Budget, now: number): number {
  const wait = (b.tat > now ? b.tat : now) + b.limit.intervalMs - now - b.limit.toleranceMs;
  return wait > EPSILON_MS ? wait : 0;
}

/** Spends one token (call only after waitMs returned 0 for every budget of the call). */
export function spend(b: Budget, now: number): void {
  b.tat = (b.tat > now ? b.tat : now) + b.limit.intervalMs;
  b.lastUsed = now;
}

/** Whole tokens left in the local budget at `now`. */
export function remaining(b: Budget, now: number): number {
  const ahead = b.tat > now ? b.tat - now : 0;
  return Math.floor((b.limit.toleranceMs - ahead + EPSILON_MS) / b.limit.intervalMs);
}

/** True when dropping the budget loses nothing: the local bucket is full and no lease is held or pending. */
export function isIdle(b: Budget, now: number): boolean {
  return b.tat <= now && b.lease === 0 && b.fetching === undefined && b.emptyUntil <= now;
}
