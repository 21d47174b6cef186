/** Starts a real gateway on 127.0.0.1:0 over a temporary plugins folder, for end-to-end tests. */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { validateConfig } from "../../src/config/load.ts";
import { startGateway, type Gateway } from "../../src/gateway.ts";
import { createLogger } from "../../src/log.ts";

export const REPO = join(import.meta.dir, "..", "..");
export const BUNDLED_PLUGINS = join(REPO, "plugins");

export interface TestGateway extends Gateway {
  pluginsDir: string;
  mcpUrl: string;
  /** Log lines the gateway wrote, for asserting on reasons. */
  logs: string[];
}

export async function startTestGateway(opts: { plugins?: string[]; config?: Record<string, any>; watch?: boolean } = {}): Promise<TestGateway> {
  const pluginsDir = mkdtempSync(join(tmpdir(), "mcp-plugins-"));
  // State (the SQLite file with API keys, audit...) goes to a temp dir, never the repo's ./data.
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-data-"));
  for (const name of opts.plugins ?? []) cpSync(join(BUNDLED_PLUGINS, name), join(pluginsDir, name), { recursive: true });
  const config = validateConfig(
    {
      ...opts.config,
      server: { host: "127.0.0.1", port: 0, ...opts.config?.server },
      plugins: { dir: pluginsDir, watch: opts.watch ?? false, ...opts.config?.plugins },
      storage: { dataDir, ...opts.config?.storage },
      log: { level: "debug" },
    },
    "test",
  );
  const logs: string[] = [];
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, createLogger("debug", {}, (line) => void logs.push(line)));
  } catch (err) {
    rmSync(pluginsDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    await gateway.stop();
    rmSync(pluginsDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...gateway, pluginsDir, mcpUrl: `${gateway.url}/mcp`, logs, stop, [Symbol.asyncDispose]: stop };
}

/** `headers` go on every request the client makes (e.g. Authorization). */
export async function connectClient(url: string, capabilities: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Client & AsyncDisposable> {
  const client = new Client({ name: "e2e-test", version: "1.0.0" }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined));
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

/** Raw JSON-RPC over HTTP for the cases an SDK client will not produce. */
export async function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function rawInitialize(url: string, version = "2025-11-25", headers: Record<string, string> = {}): Promise<string> {
  const res = await rawPost(
    url,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    },
    headers,
  );
  if (res.status !== 200) throw new Error(`initialize failed: ${res.status} ${await res.text()}`);
  const id = res.headers.get("mcp-session-id");
  if (!id) throw new Error("no session id");
  await rawPost(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { ...headers, "mcp-session-id": id, "mcp-protocol-version": version });
  return id;
}
