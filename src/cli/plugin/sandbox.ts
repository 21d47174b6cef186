/**
 * Runs an author's plugin in the gateway's real sandbox, through the very loader the registry uses
 * (src/registry/loader.ts): same limits, host functions, ABI detection and tool listing. A plugin that
 * passes here loads the same way when copied into the plugins folder.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SqliteKvStore } from "../../adapters/sqlite/kv-store.ts";
import type { CapabilityResources } from "../../capabilities/index.ts";
import { createLogger, type LogLevel } from "../../log.ts";
import { loadPlugin, PluginLoadError, type LoadedPlugin } from "../../registry/loader.ts";
import type { RequestScope } from "../../registry/types.ts";
import { SandboxError } from "../../sandbox/errors.ts";
import { pluginLimitsSchema } from "../../sandbox/limits.ts";
import { Session } from "../../session/session.ts";
import { PluginCliError } from "./errors.ts";

export interface SandboxIo {
  /** Where the plugin's own log lines (and the loader's) go. */
  err: (text: string) => void;
  logLevel?: LogLevel;
}

/** Loads a plugin folder (manifest.json + module) exactly as the gateway would; the caller closes it. */
export async function openPluginFolder(dir: string, io: SandboxIo): Promise<LoadedPlugin & Disposable> {
  const log = createLogger(io.logLevel ?? "warn", {}, io.err);
  // A plugin granted "kv" gets a throwaway store, so its tests start empty and leave nothing behind.
  // ("sql" needs databases an operator configures: such a plugin is refused with the capability's reason.)
  let kv: { store: SqliteKvStore; dir: string } | undefined;
  const closeKv = () => {
    kv?.store.close();
    if (kv) rmSync(kv.dir, { recursive: true, force: true });
  };
  const capabilities: CapabilityResources = {
    get kv() {
      if (!kv) {
        const scratch = mkdtempSync(join(tmpdir(), "mcp-sidecar-plugin-kv-"));
        kv = { store: SqliteKvStore.open(join(scratch, "kv.sqlite")), dir: scratch };
      }
      return kv.store;
    },
  };
  try {
    const plugin = await loadPlugin(dir, {
      defaults: pluginLimitsSchema.parse({}),
      log,
      capabilities,
      // Nobody is subscribed while testing: list-changed notifications have no one to go to.
      notifier: { notifyListChanged: () => {}, notifyResourceUpdated: () => {} },
    });
    return Object.assign(plugin, {
      [Symbol.dispose]: () => {
        plugin.provider.runtime.close();
        closeKv();
      },
    });
  } catch (err) {
    closeKv();
    if (err instanceof PluginLoadError) throw new PluginCliError(`the plugin does not load: ${err.message}`);
    throw err;
  }
}

/**
 * Loads a lone module: in a scratch folder with a default manifest, so it takes the
 * same path through the loader as a plugin folder.
 */
export async function openModule(wasmPath: string, io: SandboxIo): Promise<LoadedPlugin & Disposable> {
  const scratch = mkdtempSync(join(tmpdir(), "mcp-sidecar-inspect-"));
  try {
    const name = basename(wasmPath).replace(/\.wasm$/, "").replace(/[^a-zA-Z0-9_.-]/g, "-").replace(/^[^a-zA-Z0-9]+/, "") || "plugin";
    copyFileSync(wasmPath, join(scratch, "plugin.wasm"));
    writeFileSync(join(scratch, "manifest.json"), JSON.stringify({ name: name.slice(0, 64), wasm: "plugin.wasm" }));
    return await openPluginFolder(scratch, io);
  } finally {
    // The module is compiled in memory by now; the folder is not read again.
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A request scope like the gateway's for one tools/call, with a client that supports nothing optional. */
export function testScope(requestId: number, signal: AbortSignal): RequestScope {
  const session = new Session(`plugin-test-${process.pid}`, "2025-11-25", { name: "mcp-sidecar plugin test", version: "1" }, {});
  session.initialized = true;
  return {
    session,
    requestId,
    signal,
    meta: undefined,
    // Notifications (progress, log messages) have no client to reach during a test: they are dropped.
    channel: { send: () => {} },
  };
}

/** Calls one tool the way the gateway's tools/call does: sandbox failures become isError results. */
export async function callToolAsGateway(plugin: LoadedPlugin, tool: string, args: Record<string, unknown> | undefined, requestId: number): Promise<CallToolResult> {
  const controller = new AbortController();
  try {
    return await plugin.provider.callTool(tool, args, testScope(requestId, controller.signal));
  } catch (err) {
    if (err instanceof SandboxError) return { content: [{ type: "text", text: `Tool "${tool}" failed: ${err.message}` }], isError: true };
    throw err;
  }
}
