/**
 * `mcp-sidecar stdio` as a real child process: the MCP SDK's stdio client for the normal path, and raw
 * pipes for what an SDK client never does (garbage lines, closing stdin with a call in flight).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { BUNDLED_PLUGINS, REPO } from "../helpers/gateway.ts";

const BUN = join(REPO, "node_modules", ".bin", "bun");
let pluginsDir: string;
let dataDir: string;
let env: Record<string, string>;

beforeAll(() => {
  pluginsDir = mkdtempSync(join(tmpdir(), "mcp-stdio-plugins-"));
  cpSync(join(BUNDLED_PLUGINS, "echo"), join(pluginsDir, "echo"), { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "mcp-stdio-data-")); // keeps the key store out of the repo
  env = {
    ...(process.env as Record<string, string>),
    MCP_SIDECAR_PLUGINS__DIR: pluginsDir,
    MCP_SIDECAR_PLUGINS__WATCH: "false",
    MCP_SIDECAR_STORAGE__DATA_DIR: dataDir,
    MCP_SIDECAR_LOG__LEVEL: "debug",
  };
});
afterAll(() => {
  rmSync(pluginsDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** The child with raw pipes; `next()` yields stdout lines parsed as JSON (so non-JSON output fails the test). */
function spawnRaw() {
  const proc = Bun.spawn([BUN, "src/main.ts", "stdio"], { cwd: REPO, env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const next = async (): Promise<Record<string, any>> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`stdout ended; unparsed: ${JSON.stringify(buffered)}`);
      buffered += value;
    }
    const line = buffered.slice(0, buffered.indexOf("\n"));
    buffered = buffered.slice(line.length + 1);
    return JSON.parse(line);
  };
  const send = (value: unknown) => proc.stdin.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
  const rest = async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) return buffered;
      buffered += value;
    }
  };
  return { proc, next, send, rest };
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-stdio", version: "1" } },
};

describe("mcp-sidecar stdio", () => {
  test("the SDK's stdio client lists tools and calls echo", async () => {
    const transport = new StdioClientTransport({ command: BUN, args: ["src/main.ts", "stdio"], cwd: REPO, env, stderr: "pipe" });
    const client = new Client({ name: "stdio-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["echo"]);
      const result = await client.callTool({ name: "echo", arguments: { text: "through a pipe" } });
      expect(result.content).toEqual([{ type: "text", text: "through a pipe" }]);
    } finally {
      await client.close();
    }
  });

  test("a garbage line gets -32700 and the server keeps serving; EOF with a call in flight still answers it, then exits 0", async () => {
    const { proc, next, send, rest } = spawnRaw();
    send(INITIALIZE);
    expect((await next()).result.serverInfo.name).toBe("mcp-sidecar");
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send("this is not json");
    expect(await next()).toMatchObject({ id: null, error: { code: -32700 } });
    send({ jsonrpc: "2.0", id: 1, method: "ping" });
    expect(await next()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
    // Close stdin right behind a call: the call is answered before the process exits.
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "last words" } } });
    await proc.stdin.end();
    expect(await next()).toEqual({ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "last words" }] } });
    expect(await proc.exited).toBe(0);
    expect(await rest()).toBe(""); // nothing but protocol messages on stdout
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain("mcp-sidecar serving on stdio"); // the logs went to stderr
  });

  test("a request before initialize is refused without ending the session", async () => {
    const { proc, next, send } = spawnRaw();
    send({ jsonrpc: "2.0", id: "early", method: "tools/list" });
    expect(await next()).toMatchObject({ id: "early", error: { code: -32600 } });
    send(INITIALIZE);
    expect((await next()).result.protocolVersion).toBe("2025-11-25");
    await proc.stdin.end();
    expect(await proc.exited).toBe(0);
  });
});
