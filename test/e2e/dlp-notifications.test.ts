/** Output DLP also covers what a call streams before its result: log notifications relayed from a plugin. */
import { watString } from "../helpers/wat-plugin.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawInitialize, rawPost, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { messagesOf, parseSse } from "../helpers/sse.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";

const LOG = JSON.stringify({ level: "info", data: "charging card 4111 1111 1111 1111 now" });

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ config: { dlp: { action: "redact" } } });
  writeWatPlugin(gw.pluginsDir, {
    name: "leaky-logger",
    tool: "leaky",
    extra: `(import "extism:host/user" "notify_logging_message" (func $log (param i64)))
      (data (i32.const 8192) "${watString(LOG)}")`,
    body: `(call $log (call $to_block (i32.const 8192) (i32.const ${LOG.length})))`,
  });
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

test("a card number in a plugin's log notification is redacted before it reaches the client", async () => {
  const session = await rawInitialize(gw.mcpUrl);
  const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
  await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 1, method: "logging/setLevel", params: { level: "info" } }, headers);
  const res = await rawPost(gw.mcpUrl, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "leaky", arguments: {} } }, headers);
  const messages = messagesOf(parseSse(await res.text()).events);
  const log = messages.find((m) => m.method === "notifications/message");
  expect(log).toBeDefined();
  expect(JSON.stringify(log)).not.toContain("4111 1111 1111 1111");
  expect(String(log.params.data)).toContain("charging card");
  expect(messages.find((m) => m.id === 2)?.result).toBeDefined();
});
