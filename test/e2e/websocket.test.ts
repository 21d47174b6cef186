/**
 * MCP over WebSocket (/mcp/ws) against a real gateway on 127.0.0.1:0, with Bun's WebSocket client:
 * the same dispatcher as Streamable HTTP, the connection being the session.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { BUNDLED_PLUGINS, rawInitialize, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";
import { waitFor, WsTestClient } from "../helpers/ws-client.ts";

const MAX_BODY = 64 * 1024;
let gw: TestGateway;
let wsUrl: string;

beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"], config: { server: { maxBodyBytes: MAX_BODY } } });
  // Asks the client for a sampling completion, then returns: exercises server -> client requests.
  writeWatPlugin(gw.pluginsDir, { name: "sampler", tool: "sample", manifest: { limits: { timeoutMs: 10_000 } }, ...HOSTILE.hangInHostCall });
  await gw.registry.rescan();
  wsUrl = `${gw.url.replace(/^http/, "ws")}/mcp/ws`;
});
afterAll(() => gw.stop());

describe("MCP over WebSocket", () => {
  test("initialize, tools/list, tools/call echo, ping, unknown method", async () => {
    await using client = await WsTestClient.open(wsUrl);
    const list = await client.request("tools/list");
    expect(list.result.tools.map((t: { name: string }) => t.name)).toContain("echo");
    const call = await client.request("tools/call", { name: "echo", arguments: { text: "over a socket" } });
    expect(call.result).toEqual({ content: [{ type: "text", text: "over a socket" }] });
    expect((await client.request("ping")).result).toEqual({});
    const unknown = await client.request("no/such/method");
    expect(unknown.error.code).toBe(-32601);
  });

  test("a malformed frame gets -32700 and the connection stays usable", async () => {
    await using client = await WsTestClient.open(wsUrl);
    client.send("{not json");
    const error = await client.next();
    expect(error).toMatchObject({ id: null, error: { code: -32700 } });
    client.send({ jsonrpc: "2.0", id: "x", method: 42 });
    expect(await client.next()).toMatchObject({ id: "x", error: { code: -32600 } });
    expect((await client.request("ping")).result).toEqual({});
  });

  test("a first message other than initialize is an error, then the socket closes with the reason", async () => {
    const client = await WsTestClient.connect(wsUrl);
    client.send({ jsonrpc: "2.0", id: 7, method: "tools/list" });
    expect(await client.next()).toMatchObject({ id: 7, error: { code: -32600 } });
    const closed = await client.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toContain("initialize");
    const garbled = await WsTestClient.connect(wsUrl);
    garbled.send("{{{");
    expect(await garbled.next()).toMatchObject({ id: null, error: { code: -32700 } });
    expect((await garbled.closed).code).toBe(1002);
  });

  test("a second initialize on the same socket is refused", async () => {
    await using client = await WsTestClient.open(wsUrl);
    const again = await client.request("initialize", { protocolVersion: "2025-11-25", capabilities: {} });
    expect(again.error.code).toBe(-32600);
  });

  test("a frame over maxBodyBytes gets an error, then close 1009", async () => {
    const client = await WsTestClient.open(wsUrl);
    client.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x".repeat(MAX_BODY) } } });
    expect(await client.next()).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await client.closed).code).toBe(1009);
  });

  test("a foreign Origin is refused at upgrade with 403", async () => {
    const res = await fetch(wsUrl.replace(/^ws/, "http"), { headers: { origin: "http://evil.example" } });
    expect(res.status).toBe(403);
    expect(await WsTestClient.connect(wsUrl, { origin: "http://evil.example" }).catch((e) => e)).toBeInstanceOf(Error);
    // A loopback Origin (a local tool's own page) is fine.
    await using ok = await WsTestClient.connect(wsUrl, { origin: "http://localhost:5173" });
    expect(ok.socket.readyState).toBe(WebSocket.OPEN);
  });

  test("a plain GET without the upgrade handshake gets 426", async () => {
    expect((await fetch(wsUrl.replace(/^ws/, "http"))).status).toBe(426);
  });

  test("batches: answered as an array for 2025-03-26, refused for 2025-11-25", async () => {
    await using old = await WsTestClient.open(wsUrl, "2025-03-26");
    old.send([
      { jsonrpc: "2.0", id: "a", method: "ping" },
      { jsonrpc: "2.0", method: "notifications/whatever" },
      { jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "echo", arguments: { text: "in a batch" } } },
    ]);
    const batch = (await old.next()) as unknown as Record<string, any>[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch.map((r) => r.id).sort()).toEqual(["a", "b"]);
    await using current = await WsTestClient.open(wsUrl);
    current.send([{ jsonrpc: "2.0", id: "a", method: "ping" }]);
    expect(await current.next()).toMatchObject({ id: null, error: { code: -32600 } });
  });

  test("a server -> client request (sampling) is answered over the socket and the call completes", async () => {
    await using client = await WsTestClient.open(wsUrl);
    const call = client.request("tools/call", { name: "sample", arguments: {} });
    const sampling = await client.next((m) => m.method === "sampling/createMessage");
    client.send({ jsonrpc: "2.0", id: sampling.id, result: { role: "assistant", model: "m", content: { type: "text", text: "hi" } } });
    expect((await call).result).toEqual({ content: [{ type: "text", text: "sample done" }] });
  });

  test("notifications/cancelled aborts the call, which withdraws its own sampling request", async () => {
    await using client = await WsTestClient.open(wsUrl);
    const call = client.request("tools/call", { name: "sample", arguments: {} });
    const sampling = await client.next((m) => m.method === "sampling/createMessage");
    client.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: client.lastRequestId, reason: "changed my mind" } });
    const withdrawn = await client.next((m) => m.method === "notifications/cancelled");
    expect(withdrawn.params.requestId).toBe(sampling.id);
    expect((await call).error.code).toBe(-32800);
  });

  test("closing the socket ends the session and cancels its calls in flight", async () => {
    const metric = async () => (await (await fetch(`${gw.url}/metrics`)).text()).match(/mcp_tool_calls_total\{tool="sample",outcome="cancelled"\} (\d+)/)?.[1];
    const before = Number((await metric()) ?? 0);
    const client = await WsTestClient.open(wsUrl);
    expect(gw.hub.trackedCount).toBeGreaterThan(0);
    client.request("tools/call", { name: "sample", arguments: {} });
    await client.next((m) => m.method === "sampling/createMessage");
    const tracked = gw.hub.trackedCount;
    await client.close();
    await waitFor(async () => Number((await metric()) ?? 0) > before);
    expect(gw.hub.trackedCount).toBe(tracked - 1);
  });

  test("list_changed reaches WebSocket and HTTP sessions when a plugin is added", async () => {
    await using ws = await WsTestClient.open(wsUrl);
    // An HTTP session with its standalone SSE stream open: the hub reaches both transports.
    const sessionId = await rawInitialize(gw.mcpUrl);
    const sse = await fetch(gw.mcpUrl, { headers: { accept: "text/event-stream", "mcp-session-id": sessionId } });
    expect(sse.status).toBe(200);
    cpSync(join(BUNDLED_PLUGINS, "text-tools"), join(gw.pluginsDir, "text-tools"), { recursive: true });
    await gw.registry.rescan();
    await ws.next((m) => m.method === "notifications/tools/list_changed");
    const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    while (!received.includes("notifications/tools/list_changed")) received += (await reader.read()).value ?? "";
    await reader.cancel();
    const list = await ws.request("tools/list");
    expect(list.result.tools.map((t: { name: string }) => t.name)).toContain("word_count");
  });
});
