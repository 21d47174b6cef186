/** SSE behaviour of the Streamable HTTP edge: switching to SSE, priming, resumption, GET streams, list_changed. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { rawInitialize, rawPost, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { messagesOf, parseSse, readSseUntil } from "../helpers/sse.ts";
import { CHATTY_RECONNECT, writeWatPlugin } from "../helpers/wat-plugin.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"], config: { server: { sseKeepAliveMs: 20, sseRetryMs: 250 } } });
  writeWatPlugin(gw.pluginsDir, { name: "chatty", tool: "chatty", ...CHATTY_RECONNECT });
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

const headers = (session: string, extra: Record<string, string> = {}) => ({ "mcp-session-id": session, "mcp-protocol-version": "2025-11-25", ...extra });
const callChatty = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "chatty", arguments: {} } });

describe("POST replies", () => {
  test("a call that emits nothing is answered with plain JSON", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    const res = await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "j" } } }, headers(session));
    expect(res.headers.get("content-type")).toContain("application/json");
    expect((await res.json()).result.content[0].text).toBe("j");
  });

  test("a call that logs switches to SSE: priming event first, logs, then the result after resuming", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 2, method: "logging/setLevel", params: { level: "debug" } }, headers(session));
    const res = await rawPost(gw.mcpUrl, callChatty(3), headers(session));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    // The plugin asks for the connection to be closed mid-call: the stream ends without the result.
    const first = parseSse(await res.text());
    expect(first.events[0]!.data).toBe("");
    expect(first.events[0]!.id).toBeDefined();
    expect(first.events[0]!.retry).toBe(250);
    const before = messagesOf(first.events);
    expect(before.map((m) => m.params?.data)).toEqual(["step 1"]);
    expect(before.some((m) => m.id === 3)).toBe(false);

    // Resume from the last event id: the rest of the stream, result included, is replayed.
    const lastId = first.events.at(-1)!.id!;
    const resumed = await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream", "last-event-id": lastId }) });
    expect(resumed.status).toBe(200);
    const after = messagesOf(parseSse(await resumed.text()).events);
    expect(after[0].params.data).toBe("step 2");
    expect(after.at(-1)).toMatchObject({ id: 3, result: { content: [{ type: "text", text: "chatty done" }] } });
  });

  test("resuming from the priming event replays everything after it", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 4, method: "logging/setLevel", params: { level: "info" } }, headers(session));
    const first = parseSse(await (await rawPost(gw.mcpUrl, callChatty(5), headers(session))).text());
    const primingId = first.events[0]!.id!;
    const replay = messagesOf(parseSse(await (await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream", "last-event-id": primingId }) })).text()).events);
    expect(replay.map((m) => m.params?.data ?? m.id)).toEqual(["step 1", "step 2", 5]);
  });

  test("log messages below the session's level are not sent", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 6, method: "logging/setLevel", params: { level: "error" } }, headers(session));
    const res = await rawPost(gw.mcpUrl, callChatty(7), headers(session));
    // No log passes the filter; the reply becomes SSE only because the plugin closes the stream.
    const events = parseSse(await res.text()).events;
    expect(messagesOf(events)).toEqual([]);
  });

  test("an unknown Last-Event-ID is refused with 400", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    const res = await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream", "last-event-id": "nope.7" }) });
    expect(res.status).toBe(400);
  });
});

describe("the standalone GET stream", () => {
  test("primes, keeps alive with comments, and refuses a second stream with 409", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    const res = await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream" }) });
    expect(res.status).toBe(200);
    const second = await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream" }) });
    expect(second.status).toBe(409);
    const text = await readSseUntil(res, (t) => t.includes(": keep-alive"));
    expect(parseSse(text).events[0]!.data).toBe("");
    expect(parseSse(text).comments).toContain("keep-alive");
  });

  test("receives tools/list_changed when a plugin is added and removed", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    const res = await fetch(gw.mcpUrl, { headers: headers(session, { accept: "text/event-stream" }) });
    writeWatPlugin(gw.pluginsDir, { name: "newcomer", tool: "newcomer" });
    await gw.registry.rescan();
    const added = await readSseUntil(res, (t) => t.includes("list_changed"));
    expect(messagesOf(parseSse(added).events)).toContainEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    const list = await (await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 8, method: "tools/list" }, headers(session))).json();
    expect(list.result.tools.map((t: { name: string }) => t.name)).toContain("newcomer");
    rmSync(join(gw.pluginsDir, "newcomer"), { recursive: true });
    await gw.registry.rescan();
    const after = await (await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 9, method: "tools/list" }, headers(session))).json();
    expect(after.result.tools.map((t: { name: string }) => t.name)).not.toContain("newcomer");
  });
});
