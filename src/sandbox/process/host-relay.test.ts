/**
 * The relay of a plugin's granted capability functions across the process boundary, without a process:
 * what the child is told, what it links, and what the gateway agrees to run when a child (possibly a
 * hostile one) asks — only the functions that plugin was granted, on the call's bridge, with the same
 * answers as in-process.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capabilityHostOps, missingGrantMessage } from "../../capabilities/index.ts";
import { bridgeFor, runOp, SILENT_LOG } from "../../capabilities/testkit.ts";
import type { PluginHostOps } from "../../registry/abi/host-functions.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import type { HostContext } from "../instance.ts";
import { parentHostFor, relayedHostFunctions, relayPlan } from "./host-relay.ts";

const temp = tempFolders();
const FS_OPS = ["fs_list", "fs_read", "fs_roots", "fs_search"];
let fsOnly: PluginHostOps;

beforeAll(async () => {
  const base = temp.make("relay-");
  mkdirSync(join(base, "root"));
  writeFileSync(join(base, "root", "hello.txt"), "hello\n");
  writeFileSync(join(base, "secret.txt"), "outside\n");
  fsOnly = await capabilityHostOps("relay-test", { fs: { roots: [{ path: join(base, "root"), name: "files", create: false }], maxReadBytes: 1024 } }, {}, SILENT_LOG);
});

describe("the relay plan sent to the child", () => {
  test("names exactly the granted functions, and explains the others with the missing-grant message", () => {
    const plan = relayPlan(fsOnly);
    expect(Object.keys(plan.relayed).sort()).toEqual(FS_OPS);
    expect(plan.relayed.fs_read).toEqual({ request: true, takesArg: true });
    expect(plan.missing.kv_get).toBe(missingGrantMessage("kv_get")!);
    expect(plan.missing.sql_query).toBe(missingGrantMessage("sql_query")!);
    expect(Object.keys(plan.missing)).not.toContain("fs_read");
  });

  test("survives structured cloning (it travels in the init message)", () => {
    expect(structuredClone(relayPlan(fsOnly))).toEqual(relayPlan(fsOnly));
  });
});

describe("the child's host functions", () => {
  const imports = ["fs_read", "kv_get", "made_up"].map((name) => ({ module: "extism:host/user", name, kind: "function" }) as const);
  const context = (argText: string) =>
    ({ state: { guard: <T>(work: Promise<T>) => work }, text: () => argText, store: (v: string) => v, bytes: () => undefined }) as unknown as HostContext;

  test("a granted function is relayed to the gateway with its parsed argument", async () => {
    const asked: unknown[] = [];
    const fns = relayedHostFunctions(imports, () => {}, async (fn, arg) => (asked.push([fn, arg]), { ok: 1 }), relayPlan(fsOnly))["extism:host/user"]!;
    expect(await fns.fs_read!(context('{"path":"hello.txt"}'), 1n)).toBe('{"ok":1}');
    expect(asked).toEqual([["fs_read", { path: "hello.txt" }]]);
  });

  test("an ungranted one traps with the missing-grant message, as in-process, and asks nothing", () => {
    const asked: string[] = [];
    const fns = relayedHostFunctions(imports, () => {}, async (fn) => void asked.push(fn), relayPlan(fsOnly))["extism:host/user"]!;
    expect(() => fns.kv_get!(context("{}"), 1n)).toThrow(missingGrantMessage("kv_get")!);
    expect(() => fns.made_up!(context("{}"), 1n)).toThrow('the plugin called host function "made_up", which mcp-sidecar does not provide');
    expect(asked).toEqual([]);
  });
});

describe("the gateway side", () => {
  test("runs a granted function on the call's bridge, answering exactly as in-process", async () => {
    const host = parentHostFor(fsOnly);
    const bridge = bridgeFor("tenant-a");
    for (const arg of [{ path: "hello.txt" }, { path: "../secret.txt" }, { path: 42 }]) {
      expect(await host.ask("fs_read", arg, bridge)).toEqual(await runOp(fsOnly.ops, "fs_read", arg));
    }
    expect(await host.ask("fs_read", { path: "hello.txt" }, bridge)).toMatchObject({ root: "files", path: "hello.txt", content: "hello\n" });
  });

  test("refuses an ask for a capability the plugin was not granted, even from a hostile child", async () => {
    const host = parentHostFor(fsOnly);
    const bridge = bridgeFor("tenant-a");
    for (const fn of ["kv_get", "kv_set", "sql_query"]) {
      await expect(host.ask(fn, { key: "k", value: 1, sql: "select 1" }, bridge)).rejects.toThrow(missingGrantMessage(fn)!);
    }
    // Without grants (a plugin with hyper-mcp's functions only), and for names of no function at all.
    await expect(parentHostFor().ask("fs_read", { path: "hello.txt" }, bridge)).rejects.toThrow('host function "fs_read" cannot be relayed');
    for (const fn of ["constructor", "__proto__", "toString", "made_up", "notify_progress"]) {
      await expect(host.ask(fn, {}, bridge)).rejects.toThrow(`host function "${fn}" cannot be relayed`);
    }
  });

  test("refuses a granted function outside a client request, or with an argument that is not a JSON object", async () => {
    const host = parentHostFor(fsOnly);
    await expect(host.ask("fs_read", { path: "hello.txt" }, undefined)).rejects.toThrow("fs_read is only available while serving a client request");
    for (const arg of [null, [1], "hello.txt"]) {
      await expect(host.ask("fs_read", arg as any, bridgeFor("tenant-a"))).rejects.toThrow("fs_read: the argument is not a JSON object");
    }
  });

  test("ignores a capability function sent as a one-way notification", () => {
    expect(() => parentHostFor(fsOnly).notify("fs_read", { path: "hello.txt" }, bridgeFor("tenant-a"))).not.toThrow();
  });
});
