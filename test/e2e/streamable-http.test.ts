/** The Streamable HTTP edge, driven with raw HTTP for the cases an SDK client never produces. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawInitialize, rawPost, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
let session: string;
const H = (extra: Record<string, string> = {}) => ({ "mcp-session-id": session, "mcp-protocol-version": "2025-11-25", ...extra });
const call = (id: number, method: string, params?: unknown) => ({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });

beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo", "text-tools"], config: { server: { maxBodyBytes: 64 * 1024, pageSize: 2 } } });
  session = await rawInitialize(gw.mcpUrl);
});
afterAll(() => gw.stop());

describe("malformed input gets the right JSON-RPC error", () => {
  test("a body that is not JSON: 400 with -32700", async () => {
    const res = await rawPost(gw.mcpUrl, "{not json", H());
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32700);
  });

  test("JSON that is not a JSON-RPC message: -32600", async () => {
    const res = await rawPost(gw.mcpUrl, { jsonrpc: "1.0", id: 1, method: "ping" }, H());
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe(-32600);
    expect(body.id).toBe(1);
  });

  test("an unknown method: -32601", async () => {
    const body = await (await rawPost(gw.mcpUrl, call(2, "tools/explode"), H())).json();
    expect(body.error).toMatchObject({ code: -32601, message: "Method not found: tools/explode" });
  });

  test("bad params and a bad cursor: -32602", async () => {
    const noName = await (await rawPost(gw.mcpUrl, call(3, "tools/call", { arguments: {} }), H())).json();
    expect(noName.error.code).toBe(-32602);
    expect(noName.error.message).toContain('"name"');
    const cursor = await (await rawPost(gw.mcpUrl, call(4, "tools/list", { cursor: "bogus" }), H())).json();
    expect(cursor.error.code).toBe(-32602);
    expect(cursor.error.message).toContain("Invalid cursor");
  });

  test("an oversized body: 413 before it is read, and the session still works", async () => {
    const big = JSON.stringify(call(5, "tools/call", { name: "echo", arguments: { text: "x".repeat(100 * 1024) } }));
    const res = await rawPost(gw.mcpUrl, big, H());
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toContain("65536-byte limit");
    const ping = await (await rawPost(gw.mcpUrl, call(6, "ping"), H())).json();
    expect(ping.result).toEqual({});
  });

  test("missing Accept types: 406; wrong content type: 415", async () => {
    const res = await rawPost(gw.mcpUrl, call(7, "ping"), H({ accept: "application/json" }));
    expect(res.status).toBe(406);
    const ct = await rawPost(gw.mcpUrl, call(8, "ping"), H({ "content-type": "text/plain" }));
    expect(ct.status).toBe(415);
  });

  test("notifications and responses alone get 202 with no body", async () => {
    const res = await rawPost(gw.mcpUrl, { jsonrpc: "2.0", method: "notifications/whatever" }, H());
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
  });
});

describe("pagination", () => {
  test("tools/list pages with nextCursor until the end", async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = await (await rawPost(gw.mcpUrl, call(10 + pages, "tools/list", cursor ? { cursor } : {}), H())).json();
      names.push(...body.result.tools.map((t: { name: string }) => t.name));
      cursor = body.result.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("echo");
    expect(names).toContain("word_count");
  });
});

describe("sessions", () => {
  test("a request without Mcp-Session-Id: 400", async () => {
    const res = await rawPost(gw.mcpUrl, call(20, "ping"), { "mcp-protocol-version": "2025-11-25" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("Mcp-Session-Id");
  });

  test("an unknown session: 404", async () => {
    const res = await rawPost(gw.mcpUrl, call(21, "ping"), H({ "mcp-session-id": "no-such-session" }));
    expect(res.status).toBe(404);
  });

  test("DELETE ends a session; its id then gets 404 on every method", async () => {
    const id = await rawInitialize(gw.mcpUrl);
    const del = await fetch(gw.mcpUrl, { method: "DELETE", headers: { "mcp-session-id": id } });
    expect(del.status).toBe(200);
    expect((await rawPost(gw.mcpUrl, call(22, "ping"), { "mcp-session-id": id })).status).toBe(404);
    expect((await fetch(gw.mcpUrl, { headers: { "mcp-session-id": id, accept: "text/event-stream" } })).status).toBe(404);
    expect((await fetch(gw.mcpUrl, { method: "DELETE", headers: { "mcp-session-id": id } })).status).toBe(404);
  });

  test("an idle session expires and its id gets 404", async () => {
    await using short = await startTestGateway({ config: { server: { sessionIdleTimeoutMs: 50 } } });
    const id = await rawInitialize(short.mcpUrl);
    expect((await rawPost(short.mcpUrl, call(23, "ping"), { "mcp-session-id": id })).status).toBe(200);
    short.endpoint.sessions.sweep(Date.now() + 60); // as the periodic sweeper would, 60 ms later
    expect((await rawPost(short.mcpUrl, call(24, "ping"), { "mcp-session-id": id })).status).toBe(404);
  });

  test("an unsupported MCP-Protocol-Version: 400; every supported one is accepted", async () => {
    const res = await rawPost(gw.mcpUrl, call(25, "ping"), H({ "mcp-protocol-version": "1999-01-01" }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("1999-01-01");
    for (const v of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
      expect((await rawPost(gw.mcpUrl, call(26, "ping"), H({ "mcp-protocol-version": v }))).status).toBe(200);
    }
  });
});

describe("DNS-rebinding defences", () => {
  test("a foreign Origin alone (with a valid Host) is refused with 403", async () => {
    const res = await rawPost(gw.mcpUrl, call(30, "ping"), H({ origin: "https://evil.example" }));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain("Origin");
  });

  test("a loopback Origin is accepted", async () => {
    const res = await rawPost(gw.mcpUrl, call(31, "ping"), H({ origin: `http://localhost:${gw.port}` }));
    expect(res.status).toBe(200);
  });

  test("a foreign Host on a loopback-bound server is refused with 403", async () => {
    const res = await rawPost(gw.mcpUrl, call(32, "ping"), H({ host: "evil.example" }));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain("Host");
  });
});

describe("JSON-RPC batches", () => {
  test("refused for a 2025-11-25 session", async () => {
    const res = await rawPost(gw.mcpUrl, [call(40, "ping"), call(41, "ping")], H());
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("batches are not allowed in protocol version 2025-11-25");
  });

  test("answered for a 2025-03-26 session, errors per element", async () => {
    const old = await rawInitialize(gw.mcpUrl, "2025-03-26");
    const res = await rawPost(gw.mcpUrl, [call(42, "ping"), { jsonrpc: "2.0", method: "notifications/x" }, call(43, "nope"), { bad: true }], {
      "mcp-session-id": old,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any[];
    expect(body).toHaveLength(3);
    expect(body.find((r) => r.id === 42).result).toEqual({});
    expect(body.find((r) => r.id === 43).error.code).toBe(-32601);
    expect(body.find((r) => r.id === null).error.code).toBe(-32600);
  });

  test("initialize must not be batched", async () => {
    const res = await rawPost(gw.mcpUrl, [call(44, "initialize", { protocolVersion: "2025-03-26" }), call(45, "ping")]);
    expect(res.status).toBe(400);
  });
});
