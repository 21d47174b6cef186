/**
 * The shared token buckets behind rate limiting (src/pipeline/ratelimit/shared.ts): the lease logic takes and
 * returns tokens through this port and does not care whether an adapter speaks RESP or Upstash's REST
 * protocol (src/adapters/redis/rate-limit-store.ts implements both).
 *
 * Contract: `take` is atomic per key, refills by the store's own clock (so replicas with skewed clocks agree),
 * grants at most `want` whole tokens, and with a negative `want` gives `-want` unspent tokens back (capped at
 * the burst). A store that is unreachable rejects; it never queues a command until it comes back.
 */
export interface TakeResult {
  granted: number;
  /** ms until the shared bucket holds one whole token again (0 if it does now). */
  waitMs: number;
}

export interface RateLimitStore {
  /** "redis" (RESP) or "upstash" (REST), for logs. */
  readonly kind: string;
  /** scheme://host:port of the store, for logs (never a password or token). */
  readonly location: string;
  /** Takes up to `want` tokens (or gives back -want) from the shared bucket at `key`. */
  take(key: string, perMs: number, burst: number, want: number): Promise<TakeResult>;
  /** Resolves when the store answers; reconnects if needed. */
  ping(): Promise<void>;
  close(): void;
}

/** Where the shared buckets live, from `rateLimit.redis`. */
export interface RateLimitStoreSpec {
  /** redis://, rediss:// (RESP) or https:// (Upstash REST). */
  url: string;
  /** Bearer token of an Upstash REST endpoint. */
  token?: string;
  /** A command slower than this counts as an outage; also bounds the connect. */
  timeoutMs: number;
}

export type OpenRateLimitStore = (spec: RateLimitStoreSpec) => RateLimitStore;
