/**
 * Connections to Redis, for every adapter that needs one (rate-limit buckets here; other Redis-backed
 * adapters should open theirs through this file too, so URL handling and fail-fast behaviour stay the same).
 *
 * - redis://, rediss://, valkey:// and valkeys:// speak RESP through Bun's built-in client.
 * - https:// endpoints are Upstash REST, through @upstash/redis (one HTTP request per command).
 */
import { RedisClient } from "bun";
import { Redis as UpstashRedis } from "@upstash/redis";

/** True for an Upstash REST endpoint (https://), false for RESP URLs. */
export const isRestUrl = (url: string): boolean => /^https?:\/\//.test(url);

/**
 * A RESP client that fails fast: no offline queue, so while Redis is away a command rejects at once (the
 * caller decides what to do without it) instead of waiting in a queue. It reconnects on its own; calling
 * `connect()` nudges it once it has given up.
 */
export function openRespClient(url: string, timeoutMs: number): RedisClient {
  return new RedisClient(url, { enableOfflineQueue: false, autoReconnect: true, connectionTimeout: Math.max(timeoutMs, 1000) });
}

/** An Upstash REST client whose retries are the caller's to decide (a failure is an answer), telemetry off. */
export function openRestClient(url: string, token: string | undefined): UpstashRedis {
  if (!token) throw new Error(`a token is required for the https:// (Upstash REST) Redis endpoint ${redactRedisUrl(url)}`);
  return new UpstashRedis({ url, token, retry: false, enableTelemetry: false, readYourWrites: false });
}

/** scheme://host:port only: Redis URLs may carry passwords, logs and errors must not. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(unparseable url)";
  }
}
