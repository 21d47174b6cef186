/**
 * The kv capability against both stores it runs on: the embedded SQLite file and the machine's real Redis
 * (127.0.0.1:6379, under a key prefix of this run only). Tenants never see each other's keys, TTLs expire,
 * limits hold, and bad arguments get errors that say what to fix.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { join } from "node:path";
import type { KvStore } from "../../ports/kv-store.ts";
import { RedisKvStore } from "../../adapters/redis/kv-store.ts";
import { SqliteKvStore } from "../../adapters/sqlite/kv-store.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import { waitFor } from "../../../test/helpers/ws-client.ts";
import { runOp, SILENT_LOG } from "../testkit.ts";
import { kvCapability, kvGrantSchema } from "./index.ts";

const temp = tempFolders();
const REDIS_URL = "redis://127.0.0.1:6379";
const PREFIX = `h4-kv-test:${process.pid}:${Date.now()}:`;
const stores: KvStore[] = [];

afterAll(async () => {
  for (const s of stores) s.close();
  const redis = new RedisClient(REDIS_URL);
  const keys = (await redis.send("KEYS", [`${PREFIX}*`])) as string[];
  if (keys.length) await redis.send("DEL", keys);
  redis.close();
});

const backends: [string, () => KvStore][] = [
  ["sqlite", () => SqliteKvStore.open(join(temp.make("kv-sqlite-"), "kv.db"))],
  ["redis", () => new RedisKvStore(REDIS_URL, `${PREFIX}${crypto.randomUUID()}:`, 2000)],
];

function opsFor(store: KvStore, grant: unknown = {}, plugin = "kv") {
  return kvCapability.hostOps(kvGrantSchema.parse(grant), { plugin, resource: store, log: SILENT_LOG }) as Record<string, any>;
}

describe.each(backends)("kv on %s", (_name, open) => {
  const fresh = () => {
    const store = open();
    stores.push(store);
    return store;
  };

  test("set, get, delete round-trip JSON values", async () => {
    const ops = opsFor(fresh());
    expect(await runOp(ops, "kv_get", { key: "k" })).toEqual({ found: false });
    expect(await runOp(ops, "kv_set", { key: "k", value: { n: 1, list: ["a", null] } })).toEqual({ ok: true });
    expect(await runOp(ops, "kv_get", { key: "k" })).toEqual({ found: true, value: { n: 1, list: ["a", null] } });
    expect(await runOp(ops, "kv_set", { key: "k", value: "replaced" })).toEqual({ ok: true });
    expect(await runOp(ops, "kv_get", { key: "k" })).toEqual({ found: true, value: "replaced" });
    expect(await runOp(ops, "kv_delete", { key: "k" })).toEqual({ deleted: true });
    expect(await runOp(ops, "kv_delete", { key: "k" })).toEqual({ deleted: false });
    expect(await runOp(ops, "kv_get", { key: "k" })).toEqual({ found: false });
  });

  test("one tenant never sees another tenant's keys, whatever the key looks like", async () => {
    const ops = opsFor(fresh());
    await runOp(ops, "kv_set", { key: "shared-name", value: "a's secret" }, "tenant-a");
    await runOp(ops, "kv_set", { key: "../tenant-a/shared-name", value: "b's" }, "tenant-b");
    expect(await runOp(ops, "kv_get", { key: "shared-name" }, "tenant-b")).toEqual({ found: false });
    expect(await runOp(ops, "kv_list", {}, "tenant-b")).toEqual({ keys: ["../tenant-a/shared-name"], more: false });
    expect(await runOp(ops, "kv_delete", { key: "shared-name" }, "tenant-b")).toEqual({ deleted: false });
    expect(await runOp(ops, "kv_get", { key: "shared-name" }, "tenant-a")).toEqual({ found: true, value: "a's secret" });
    // Tenant names built to collide with the namespace encoding stay apart too.
    await runOp(ops, "kv_set", { key: "x", value: 1 }, "a/kv");
    expect(await runOp(ops, "kv_get", { key: "x" }, "a%2Fkv")).toEqual({ found: false });
    expect(await runOp(ops, "kv_get", { key: "x" }, "a")).toEqual({ found: false });
  });

  test("plugins are apart unless their grants share a namespace", async () => {
    const store = fresh();
    await runOp(opsFor(store, {}, "plugin-one"), "kv_set", { key: "k", value: 1 });
    expect(await runOp(opsFor(store, {}, "plugin-two"), "kv_get", { key: "k" })).toEqual({ found: false });
    await runOp(opsFor(store, { namespace: "team" }, "plugin-one"), "kv_set", { key: "k", value: 2 });
    expect(await runOp(opsFor(store, { namespace: "team" }, "plugin-two"), "kv_get", { key: "k" })).toEqual({ found: true, value: 2 });
  });

  test("a key with ttlSeconds expires; one without stays", async () => {
    const ops = opsFor(fresh());
    await runOp(ops, "kv_set", { key: "short", value: "soon gone", ttlSeconds: 1 });
    await runOp(ops, "kv_set", { key: "long", value: "kept" });
    expect(await runOp(ops, "kv_get", { key: "short" })).toEqual({ found: true, value: "soon gone" });
    await waitFor(async () => (await runOp(ops, "kv_get", { key: "short" })).found === false, 5000);
    expect(await runOp(ops, "kv_list", {})).toEqual({ keys: ["long"], more: false });
    // Setting again without a TTL removes the expiry.
    await runOp(ops, "kv_set", { key: "long", value: "kept", ttlSeconds: 1 });
    await runOp(ops, "kv_set", { key: "long", value: "kept" });
    expect(await runOp(ops, "kv_get", { key: "long" })).toEqual({ found: true, value: "kept" });
  });

  test("kv_list filters by prefix in byte order and pages with a limit", async () => {
    const ops = opsFor(fresh());
    for (const key of ["user:2", "user:10", "user:1", "users", "other", "user:\u00e9"]) await runOp(ops, "kv_set", { key, value: key });
    expect(await runOp(ops, "kv_list", { prefix: "user:" })).toEqual({ keys: ["user:1", "user:10", "user:2", "user:\u00e9"], more: false });
    expect(await runOp(ops, "kv_list", { prefix: "user:", limit: 2 })).toEqual({ keys: ["user:1", "user:10"], more: true });
    expect(await runOp(ops, "kv_list", { prefix: "nothing" })).toEqual({ keys: [], more: false });
    expect((await runOp(ops, "kv_list", {})).keys).toHaveLength(6);
  });

  test("maxKeys refuses new keys but allows replacing, and expired keys free their place", async () => {
    const ops = opsFor(fresh(), { maxKeys: 2 });
    await runOp(ops, "kv_set", { key: "a", value: 1 });
    await runOp(ops, "kv_set", { key: "b", value: 1, ttlSeconds: 1 });
    expect(await runOp(ops, "kv_set", { key: "c", value: 1 })).toEqual({
      error: { code: "limit", message: "kv_set: this tenant already holds 2 keys (grants.kv.maxKeys); delete some first" },
    });
    expect(await runOp(ops, "kv_set", { key: "a", value: 2 })).toEqual({ ok: true });
    // Another tenant has its own budget.
    expect(await runOp(ops, "kv_set", { key: "c", value: 1 }, "tenant-b")).toEqual({ ok: true });
    await waitFor(async () => (await runOp(ops, "kv_set", { key: "c", value: 1 })).ok === true, 5000);
  });

  test("limits and bad arguments are refused with what to fix", async () => {
    const ops = opsFor(fresh(), { maxValueBytes: 16, maxTtlSeconds: 60 });
    expect((await runOp(ops, "kv_set", { key: "k", value: "x".repeat(20) })).error).toEqual({
      code: "limit",
      message: "kv_set: the value is larger than this plugin's limit of 16 bytes (grants.kv.maxValueBytes)",
    });
    expect((await runOp(ops, "kv_set", { key: "k" })).error.message).toBe('kv_set: "value" is required (any JSON value)');
    expect((await runOp(ops, "kv_set", { key: "k", value: 1, ttlSeconds: 61 })).error.message).toBe('kv_set: "ttlSeconds" must be an integer from 1 to 60');
    expect((await runOp(ops, "kv_set", { key: "k", value: 1, ttlSeconds: 0.5 })).error.code).toBe("invalid");
    expect((await runOp(ops, "kv_get", { key: "" })).error.message).toBe('kv_get: "key" must not be empty');
    expect((await runOp(ops, "kv_get", { key: 7 })).error.message).toBe('kv_get: "key" must be a string');
    expect((await runOp(ops, "kv_get", { key: "k".repeat(513) })).error.message).toBe('kv_get: "key" is longer than 512 bytes');
    expect((await runOp(ops, "kv_list", { limit: 5000 })).error.message).toBe('kv_list: "limit" must be an integer from 1 to 1000');
  });

  test("outside a client request (no scope) the functions refuse", async () => {
    const ops = opsFor(fresh());
    const answer = await ops.kv_get.run({ pluginName: "kv", notifyListChanged() {}, notifyResourceUpdated() {} }, { key: "k" }, (w: any) => w);
    expect(answer.error).toEqual({ code: "unavailable", message: "kv_get is only available while serving a client request" });
  });
});

test("kv without a store refuses the load", () => {
  expect(() => kvCapability.hostOps(kvGrantSchema.parse({}), { plugin: "kv", resource: undefined, log: SILENT_LOG })).toThrow('grants "kv", but the gateway has no key-value store');
});

test("a Redis that does not answer gives the plugin an unavailable error, not a hang", async () => {
  // A port nothing listens on: the store fails fast (no offline queue) and the capability hides the details.
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  const store = new RedisKvStore(`redis://127.0.0.1:${port}`, PREFIX, 300);
  stores.push(store);
  const answer = await runOp(opsFor(store), "kv_get", { key: "k" });
  expect(answer.error.code).toBe("unavailable");
  expect(answer.error.message).toBe("kv_get failed on the gateway side; try again later");
});
