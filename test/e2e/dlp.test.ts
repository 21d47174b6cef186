/**
 * Output DLP end to end over HTTP: WAT plugins return a card number, an email and an AWS key in text and
 * structured content; the client sees them masked / redacted / hashed as configured, and a tool whose
 * risk level blocks gets -32014 without the values.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { connectClient, rawInitialize, rawPost, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";

const CARD = "4111 1111 1111 1111";
const EMAIL = "alice@example.com";
const AWS = "AKIARSXTYD77XBDHY4TJ";
const LEAKY_RESULT = {
  content: [{ type: "text", text: `card ${CARD}, contact ${EMAIL}, key ${AWS}` }],
  structuredContent: { customer: { email: EMAIL, card: CARD }, keys: [AWS], total: 42 },
};

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    plugins: ["echo"],
    config: {
      // Anonymous callers may only use LOW tools under the shipped policies; this file is about DLP.
      policy: { enabled: false },
      dlp: {
        detectors: { card: "mask", email: "redact", aws_key: "hash" },
        risk: { MEDIUM: { action: "block", detectors: { email: "redact" } } },
      },
    },
  });
  writeWatPlugin(gw.pluginsDir, { name: "leaky", tool: "leak", result: LEAKY_RESULT, manifest: { risk: "LOW" } });
  writeWatPlugin(gw.pluginsDir, { name: "leaky-medium", tool: "leak_medium", result: LEAKY_RESULT, manifest: { risk: "MEDIUM" } });
  writeWatPlugin(gw.pluginsDir, {
    name: "chatty-email",
    tool: "email_only",
    result: { content: [{ type: "text", text: `write to ${EMAIL}` }] },
    manifest: { risk: "MEDIUM" },
  });
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

const HASH = /^\[HASH:aws_key:[0-9a-f]{16}\]$/;

describe("output DLP over HTTP", () => {
  test("text content: the card is masked, the email redacted and the AWS key hashed", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "leak", arguments: {} });
    const text = (result.content as { text: string }[])[0]!.text;
    expect(text).toMatch(/^card \*\*\*\* \*\*\*\* \*\*\*\* 1111, contact \[REDACTED:email\], key \[HASH:aws_key:[0-9a-f]{16}\]$/);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(AWS);
  });

  test("structured content is redacted the same way, and a hash is stable across calls", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const first = await client.callTool({ name: "leak", arguments: {} });
    const second = await client.callTool({ name: "leak", arguments: {} });
    const sc = first.structuredContent as { customer: { email: string; card: string }; keys: string[]; total: number };
    expect(sc.customer).toEqual({ email: "[REDACTED:email]", card: "**** **** **** 1111" });
    expect(sc.keys[0]).toMatch(HASH);
    expect(sc.total).toBe(42);
    expect((second.structuredContent as typeof sc).keys[0]).toBe(sc.keys[0]!);
    // The same key in the text and in the structured content maps to the same token.
    expect((first.content as { text: string }[])[0]!.text).toEndWith(sc.keys[0]!);
  });

  test("a risk level that blocks answers -32014 naming the detectors, never the values", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const err = await client.callTool({ name: "leak_medium", arguments: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32014);
    expect((err as McpError).message).toContain('a card number (detector "card")');
    expect((err as McpError).message).toContain('an AWS access key (detector "aws_key")');
    expect(JSON.stringify(err)).not.toContain("4111");
    expect(JSON.stringify(err)).not.toContain(AWS);
    // email is redact at MEDIUM, so a result with only an email still goes through.
    const ok = await client.callTool({ name: "email_only", arguments: {} });
    expect((ok.content as { text: string }[])[0]!.text).toBe("write to [REDACTED:email]");
  });

  test("raw JSON-RPC: the blocked error is a plain JSON-RPC error with data.detectors", async () => {
    const session = await rawInitialize(gw.mcpUrl);
    const res = await rawPost(
      gw.mcpUrl,
      { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "leak_medium", arguments: {} } },
      { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    );
    const body = await res.text();
    const message = JSON.parse(body.startsWith("{") ? body : body.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
    expect(message.error.code).toBe(-32014);
    expect(message.error.data).toEqual({ detectors: ["card", "aws_key"] });
    expect(body).not.toContain(AWS);
  });

  test("clean results and echoed arguments without findings pass unchanged", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "echo", arguments: { text: "version 1.2.3.4, build 2024-06-01, id 550e8400-e29b-41d4-a716-446655440000" } });
    expect((result.content as { text: string }[])[0]!.text).toBe("version 1.2.3.4, build 2024-06-01, id 550e8400-e29b-41d4-a716-446655440000");
  });
});
