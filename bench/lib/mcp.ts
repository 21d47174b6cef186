/**
 * The call every target answers (tools/call → echo) and the MCP session setup a gateway target needs.
 */
import type { Server } from "./procs.ts";

/** What each request asks for: `text` echoed `repeat` times (repeat absent = the plugin's default, once). */
export interface CallShape {
  text: string;
  repeat?: number;
}
export const expectedText = (shape: CallShape): string => shape.text.repeat(shape.repeat ?? 1);
export const callArguments = (shape: CallShape) => (shape.repeat === undefined ? { text: shape.text } : { text: shape.text, repeat: shape.repeat });

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

function headers(server: Server, session?: string): Record<string, string> {
  return {
    ...HEADERS,
    ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}),
    ...(session && session !== "-" ? { "mcp-session-id": session } : {}),
  };
}

/** initialize + notifications/initialized; returns the session id. */
export async function initialize(server: Server): Promise<string> {
  const res = await fetch(server.url, {
    method: "POST",
    headers: headers(server),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
    }),
  });
  const session = res.headers.get("mcp-session-id");
  if (res.status !== 200 || !session) throw new Error(`${server.name}: initialize failed: ${res.status} ${await res.text()}`);
  const ack = await fetch(server.url, {
    method: "POST",
    headers: headers(server, session),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  if (ack.status !== 202) throw new Error(`${server.name}: notifications/initialized got ${ack.status}`);
  return session;
}

/**
 * One call by hand, so a misconfigured target fails loudly before any load is run. For a target that needs
 * a key, also checks that a call without it is refused (the chain under test really authenticates).
 */
export async function checkOneCall(server: Server, session: string, shape: CallShape): Promise<string> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: callArguments(shape) } });
  const res = await fetch(server.url, { method: "POST", headers: headers(server, session), body });
  const text = await res.text();
  const parsed = JSON.parse(text);
  if (res.status !== 200 || parsed.result?.content?.[0]?.text !== expectedText(shape) || parsed.result?.isError) {
    throw new Error(`${server.name}: tools/call did not echo: ${res.status} ${text.slice(0, 500)}`);
  }
  if (server.apiKey) {
    const { authorization: _, ...anonymous } = headers(server, session);
    const refused = await fetch(server.url, { method: "POST", headers: anonymous, body });
    await refused.arrayBuffer();
    if (refused.status !== 401) throw new Error(`${server.name}: a call without the API key got ${refused.status}, not 401`);
  }
  return text;
}
