/**
 * The shared bucket in Redis, behind one small interface so the lease logic (./shared.ts) does not care
 * whether it talks RESP (Bun's built-in client, redis:// and rediss://) or Upstash's REST protocol
 * (@upstash/redis, https://).
 *
 * One Lua script does everything atomically: refill by elapsed time (Redis's own clock, so replicas with
 * skewed clocks agree), grant up to `want` whole tokens, or take back `-want` unspent tokens (capped at the
 * burst). It returns {granted, msUntilOneToken}; the key expires once it would be full anyway.
 */
import { RedisClient } from "bun";
import { Redis as UpstashRedis } from "@upstash/redis";

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

export interface TakeResult {
  granted: number;
  /** ms until the shared bucket holds one whole token again (0 if it does now). */
  waitMs: number;
}

export interface SharedStore {
  /** "redis" (RESP) or "upstash" (REST), for logs. */
  readonly kind: string;
  /** Takes up to `want` tokens (or gives back -want) from the shared bucket at `key`. */
  take(key: string, perMs: number, burst: number, want: number): Promise<TakeResult>;
  /** Resolves when Redis answers; reconnects if needed. */
  ping(): Promise<void>;
  close(): void;
}

export class StoreTimeout extends Error {
  override name = "StoreTimeout";
}

/** Rejects after `ms`: a Redis that hangs is treated like one that is gone. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StoreTimeout(`no answer from Redis within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const asResult = (reply: unknown): TakeResult => {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  return { granted: Number(reply[0]), waitMs: Number(reply[1]) };
};

const isNoScript = (err: unknown) => String((err as Error)?.message ?? err).includes("NOSCRIPT");

/** redis:// and rediss:// through Bun's built-in client (auto-pipelined, fails fast while disconnected). */
export class BunRedisStore implements SharedStore {
  readonly kind = "redis";
  private readonly client: RedisClient;

  constructor(url: string, timeoutMs: number) {
    // No offline queue: while Redis is away a command must fail at once so the call is decided locally,
    // not wait in a queue. The client reconnects on its own; ping() nudges it when it has given up.
    this.client = new RedisClient(url, { enableOfflineQueue: false, autoReconnect: true, connectionTimeout: Math.max(timeoutMs, 1000) });
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
export class UpstashStore implements SharedStore {
  readonly kind = "upstash";
  private readonly client: UpstashRedis;

  constructor(url: string, token: string) {
    // Retries are ours to decide (a failure means "decide locally now"), and telemetry stays off.
    this.client = new UpstashRedis({ url, token, retry: false, enableTelemetry: false, readYourWrites: false });
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

export function createStore(url: string, token: string | undefined, timeoutMs: number): SharedStore {
  if (/^https?:\/\//.test(url)) {
    if (!token) throw new Error("rateLimit.redis.token is required for an https:// (Upstash REST) url");
    return new UpstashStore(url, token);
  }
  return new BunRedisStore(url, timeoutMs);
}
