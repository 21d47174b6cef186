/**
 * Plugin key-value memory in Redis (port: src/ports/kv-store.ts), when storage.redis is set, so replicas share
 * it. One namespace is three keys under the configured prefix:
 *   <prefix><ns>:v  hash   key -> value
 *   <prefix><ns>:k  zset   every key with score 0, for ordered listing by prefix (ZRANGEBYLEX)
 *   <prefix><ns>:x  zset   keys with a TTL, scored by expiry (ms, Redis's own clock)
 * Per-field expiry needs Redis 7.4 (HEXPIRE); this layout works on any Redis with Lua. Every operation is one
 * script, so the key limit is exact under concurrency, and each script first drops what has expired.
 */
import type { RedisClient } from "bun";
import type { KvListing, KvStore } from "../../ports/kv-store.ts";
import { openRespClient, redactRedisUrl } from "./connection.ts";

const PURGE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for i = 1, #dead, 500 do
  local chunk = {unpack(dead, i, math.min(i + 499, #dead))}
  redis.call('HDEL', KEYS[1], unpack(chunk))
  redis.call('ZREM', KEYS[2], unpack(chunk))
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
`;

const SCRIPTS = {
  get: `${PURGE} return redis.call('HGET', KEYS[1], ARGV[1])`,
  // ARGV: key, value, ttlMs (0 = none), maxKeys. Returns 1 stored, 0 full.
  set: `${PURGE}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('ZADD', KEYS[3], now + ttl, ARGV[1]) else redis.call('ZREM', KEYS[3], ARGV[1]) end
return 1`,
  delete: `${PURGE}
local n = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n`,
  // ARGV: prefix, limit. Keys are UTF-8, which never holds byte 255: [prefix .. (prefix\\255 is the prefix's range.
  list: `${PURGE}
return redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[1], '(' .. ARGV[1] .. '\\255', 'LIMIT', 0, tonumber(ARGV[2]) + 1)`,
} as const;
type ScriptName = keyof typeof SCRIPTS;
const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([k, s]) => [k, new Bun.CryptoHasher("sha1").update(s).digest("hex")])) as Record<ScriptName, string>;

export class RedisKvStore implements KvStore {
  readonly kind = "redis";
  readonly location: string;
  private readonly client: RedisClient;

  constructor(url: string, private readonly prefix: string, private readonly timeoutMs: number) {
    this.client = openRespClient(url, timeoutMs);
    this.location = redactRedisUrl(url);
  }

  async get(ns: string, key: string): Promise<string | null> {
    const reply = await this.run("get", ns, [key]);
    return typeof reply === "string" ? reply : null;
  }

  async set(ns: string, key: string, value: string, opts: { ttlMs?: number; maxKeys: number }): Promise<"ok" | "full"> {
    const reply = await this.run("set", ns, [key, value, String(opts.ttlMs ?? 0), String(opts.maxKeys)]);
    return Number(reply) === 1 ? "ok" : "full";
  }

  async delete(ns: string, key: string): Promise<boolean> {
    return Number(await this.run("delete", ns, [key])) > 0;
  }

  async list(ns: string, prefix: string, limit: number): Promise<KvListing> {
    const reply = await this.run("list", ns, [prefix, String(limit)]);
    const keys = Array.isArray(reply) ? reply.map(String) : [];
    return { keys: keys.slice(0, limit), more: keys.length > limit };
  }

  close(): void {
    this.client.close();
  }

  /** Runs a script by SHA (loading it on NOSCRIPT), failing after timeoutMs so a stalled Redis cannot hold the plugin. */
  private async run(name: ScriptName, ns: string, args: string[]): Promise<unknown> {
    const base = `${this.prefix}${ns}`;
    const keys = ["3", `${base}:v`, `${base}:k`, `${base}:x`];
    const attempt = async () => {
      if (!this.client.connected) await this.client.connect();
      try {
        return await this.client.send("EVALSHA", [SHAS[name], ...keys, ...args]);
      } catch (err) {
        if (!String((err as Error)?.message ?? err).includes("NOSCRIPT")) throw err;
        return this.client.send("EVAL", [SCRIPTS[name], ...keys, ...args]);
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis at ${this.location} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([attempt(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
