/**
 * Shared rate-limit buckets in Redis (port: src/ports/rate-limit-store.ts), over RESP (Bun's built-in client,
 * redis:// and rediss://) or Upstash's REST protocol (@upstash/redis, https://).
 *
 * One Lua script does everything atomically: refill by elapsed time (Redis's own clock, so replicas with
 * skewed clocks agree), grant up to `want` whole tokens, or take back `-want` unspent tokens (capped at the
 * burst). It returns {granted, msUntilOneToken}; the key expires once it would be full anyway.
 */
import type { RedisClient } from "bun";
import type { Redis as UpstashRedis } from "@upstash/redis";
import type { OpenRateLimitStore, RateLimitStore, TakeResult } from "../../ports/rate-limit-store.ts";
import { isRestUrl, openRespClient, openRestClient, redactRedisUrl } from "./connection.ts";

export const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local perMs = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or burst
local ts = tonumber(v[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * perMs) end
local granted = 0
if want < 0 then
  tokens = math.min(burst, tokens - want)
else
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.min(math.ceil((burst - tokens) / perMs) + 1000, 2592000000)))
local wait = 0
if tokens < 1 then wait = math.min(math.ceil((1 - tokens) / perMs), 2592000000) end
return {granted, wait}
`;
const TAKE_SHA = new Bun.CryptoHasher("sha1").update(TAKE_SCRIPT).digest("hex");

const asResult = (reply: unknown): TakeResult => {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  return { granted: Number(reply[0]), waitMs: Number(reply[1]) };
};

const isNoScript = (err: unknown) => String((err as Error)?.message ?? err).includes("NOSCRIPT");

/** redis:// and rediss:// through Bun's built-in client (auto-pipelined, fails fast while disconnected). */
export class BunRedisStore implements RateLimitStore {
  readonly kind = "redis";
  readonly location: string;
  private readonly client: RedisClient;

  constructor(url: string, timeoutMs: number) {
    this.location = redactRedisUrl(url);
    this.client = openRespClient(url, timeoutMs);
  }

  async take(key: string, perMs: number, burst: number, want: number): Promise<TakeResult> {
    const args = [key, String(perMs), String(burst), String(want)];
    try {
      return asResult(await this.client.send("EVALSHA", [TAKE_SHA, "1", ...args]));
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return asResult(await this.client.send("EVAL", [TAKE_SCRIPT, "1", ...args]));
    }
  }

  async ping(): Promise<void> {
    if (!this.client.connected) await this.client.connect();
    await this.client.send("PING", []);
  }

  /** Raw commands, for tests and cleanup. */
  send(command: string, args: string[]): Promise<unknown> {
    return this.client.send(command, args);
  }

  close(): void {
    this.client.close();
  }
}

/** https:// Upstash REST endpoints through @upstash/redis: one HTTP request per command. */
export class UpstashStore implements RateLimitStore {
  readonly kind = "upstash";
  readonly location: string;
  private readonly client: UpstashRedis;

  constructor(url: string, token: string) {
    this.location = redactRedisUrl(url);
    this.client = openRestClient(url, token);
  }

  async take(key: string, perMs: number, burst: number, want: number): Promise<TakeResult> {
    const args = [String(perMs), String(burst), String(want)];
    try {
      return asResult(await this.client.evalsha(TAKE_SHA, [key], args));
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return asResult(await this.client.eval(TAKE_SCRIPT, [key], args));
    }
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  close(): void {}
}

export const openRateLimitStore: OpenRateLimitStore = ({ url, token, timeoutMs }) => {
  if (isRestUrl(url)) {
    if (!token) throw new Error("rateLimit.redis.token is required for an https:// (Upstash REST) url");
    return new UpstashStore(url, token);
  }
  return new BunRedisStore(url, timeoutMs);
};
