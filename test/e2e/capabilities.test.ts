/**
 * First-party capability plugins end to end: the shipped `kv` and `fs` plugins behind a real gateway on
 * 127.0.0.1:0, called over HTTP with the MCP SDK client by two tenants (API keys). Tenant A's memory is
 * invisible to tenant B, on Redis (the machine's, under a prefix of this run) and on the embedded store;
 * fs answers from its granted root only; a plugin calling a capability it was not granted gets an error
 * naming the missing grant. The same under process isolation: ./capabilities-process.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLED_PLUGINS, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { watString, writeWatPlugin } from "../helpers/wat-plugin.ts";
import { call, SECRET, startTwoTenants, textOf, writeFsTree, type Client, type TwoTenants } from "../helpers/capability-fixture.ts";

const temp = tempFolders();
const REDIS_URL = "redis://127.0.0.1:6379";
const REDIS_PREFIX = `h4-kv-e2e:${process.pid}:${Date.now()}:`;

afterAll(async () => {
  const redis = new RedisClient(REDIS_URL);
  const keys = (await redis.send("KEYS", [`${REDIS_PREFIX}*`])) as string[];
  if (keys.length) await redis.send("DEL", keys);
  redis.close();
});

const KV_GET_ARG = JSON.stringify({ key: "anything" });
/** Imports kv_get and calls it, with a manifest that grants nothing. */
const UNGRANTED = {
  name: "ungranted",
  tool: "sneak",
  extra: `(import "extism:host/user" "kv_get" (func $kv_get (param i64) (result i64)))
    (data (i32.const 8192) "${watString(KV_GET_ARG)}")`,
  body: `(drop (call $kv_get (call $to_block (i32.const 8192) (i32.const ${KV_GET_ARG.length}))))`,
};

/** The plugins folder: shipped kv, shipped fs granted a temp root, and the test plugins. */
function pluginsFolder(root: string): string {
  const dir = temp.make("cap-e2e-plugins-");
  cpSync(join(BUNDLED_PLUGINS, "kv"), join(dir, "kv"), { recursive: true });
  cpSync(join(BUNDLED_PLUGINS, "fs"), join(dir, "fs"), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "fs", "manifest.json"), "utf8"));
  manifest.grants.fs.roots = [{ path: root, name: "docs" }];
  writeFileSync(join(dir, "fs", "manifest.json"), JSON.stringify(manifest));
  writeWatPlugin(dir, UNGRANTED);
  return dir;
}


describe.each([
  ["Redis", { url: REDIS_URL, prefix: REDIS_PREFIX }],
  ["the embedded store", undefined],
])("kv and fs plugins with kv on %s", (_label, redis) => {
  let side: TwoTenants;
  let gw: TestGateway;
  let a: Client;
  let b: Client;
  let base: string;

  beforeAll(async () => {
    base = temp.make("cap-e2e-files-");
    side = await startTwoTenants(temp, pluginsFolder(writeFsTree(base)), redis ? { redis } : {});
    ({ gw, a, b } = side);
  });
  afterAll(() => side?.stop());

  test("the shipped plugins offer their tools", async () => {
    const names = (await a.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["fs_list_dir", "fs_list_roots", "fs_read_file", "fs_search", "kv_delete", "kv_get", "kv_list", "kv_set", "sneak"]);
  });

  test("tenant B cannot see, list or delete tenant A's keys", async () => {
    expect((await call(a, "kv_set", { key: "plan", value: { step: 3 }, ttlSeconds: 600 })).structuredContent).toEqual({ ok: true });
    expect((await call(b, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: false });
    expect((await call(b, "kv_list", {})).structuredContent).toEqual({ keys: [], more: false });
    expect((await call(b, "kv_delete", { key: "plan" })).structuredContent).toEqual({ deleted: false });
    await call(b, "kv_set", { key: "plan", value: "b's own" });
    expect((await call(a, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: true, value: { step: 3 } });
    expect((await call(b, "kv_get", { key: "plan" })).structuredContent).toEqual({ found: true, value: "b's own" });
    expect((await call(a, "kv_list", { prefix: "pl" })).structuredContent).toEqual({ keys: ["plan"], more: false });
  });

  test("a kv limit comes back as a tool error the model can read", async () => {
    const result = await call(a, "kv_set", { key: "big", value: "x".repeat(70_000) });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("kv_set: the value is larger than this plugin's limit of 65536 bytes (grants.kv.maxValueBytes)");
  });

  test("fs reads, lists and searches its root with root-relative paths only", async () => {
    const read = await call(a, "fs_read_file", { path: "notes/todo.md" });
    expect(textOf(read)).toBe("- ship the fs plugin\n- test escapes\n");
    expect(read.structuredContent).toMatchObject({ root: "docs", path: "notes/todo.md", truncated: false });
    const listed = await call(a, "fs_list_dir", { path: "notes" });
    expect(listed.structuredContent.entries).toEqual([{ name: "shortcut.md", type: "symlink" }, { name: "todo.md", type: "file" }]);
    const found = await call(a, "fs_search", { query: "ESCAPES" });
    expect(found.structuredContent.matches).toEqual([{ path: "notes/todo.md", line: 2, text: "- test escapes" }]);
    expect(JSON.stringify([read, listed, found])).not.toContain(base);
  });

  test("fs escapes fail as tool errors that reveal nothing outside the root", async () => {
    for (const path of ["../secret.txt", "notes/shortcut.md", join(base, "secret.txt"), "notes/../../secret.txt"]) {
      const result = await call(a, "fs_read_file", { path });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^fs_read: /);
      expect(textOf(result)).not.toContain(SECRET);
    }
  });

  test("a plugin calling a capability it was not granted fails with the missing grant named", async () => {
    const result = await call(a, "sneak");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`kv_get: this plugin's manifest grants no "kv" capability`);
  });
});
