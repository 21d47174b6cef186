/**
 * The "toolbox" fixtures (plugins-as/fixtures/toolbox, plugins-js/fixtures/toolbox) implement the same tools in
 * each plugin language. These are the HTTP target they call and the checks they share, so every language's
 * end-to-end test asserts that common behaviour the same way.
 */
import { expect } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { textOf } from "./contained.ts";

/**
 * The HTTP server the toolbox's `fetch_text` reaches: 127.0.0.1 is in the fixtures' allowedHosts, `localhost`
 * is not. GET answers `hello from <path>`, POST echoes its content type and body; both mark the response.
 */
export function startToolboxTarget(): ReturnType<typeof Bun.serve> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const text = req.method === "POST" ? `posted ${req.headers.get("content-type")}: ${await req.text()}` : `hello from ${new URL(req.url).pathname}`;
      return new Response(text, { headers: { "x-served-by": "test-target" } });
    },
  });
}

/** `fetch_text` to a host outside allowedHosts fails the call, naming the host. */
export async function expectOtherHostDenied(client: Client, target: ReturnType<typeof Bun.serve>) {
  const denied = await client.callTool({ name: "fetch_text", arguments: { url: `http://localhost:${target.port}/ping` } });
  expect(denied.isError).toBe(true);
  expect(textOf(denied)).toContain('no allowedHosts match "localhost"');
}

/** `count_to` reports each step as progress and ends with one warning log line. */
export async function expectProgressAndLog(client: Client) {
  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
  const progress: unknown[] = [];
  const result = await client.callTool({ name: "count_to", arguments: { steps: 3 } }, undefined, { onprogress: (p) => void progress.push(p) });
  expect(textOf(result)).toBe("counted to 3");
  expect(progress).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })));
  expect(logs).toEqual([{ level: "warning", data: "counted to 3", logger: "counter" }]);
}

/** `spin` never returns: the fixture's 1000 ms timeoutMs stops it, and the plugin then serves `greet` again. */
export async function expectSpinStoppedAtDeadline(client: Client) {
  const started = performance.now();
  const result = await client.callTool({ name: "spin", arguments: {} });
  const elapsed = performance.now() - started;
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain("did not finish within its 1000 ms limit");
  expect(elapsed).toBeGreaterThanOrEqual(900);
  expect(elapsed).toBeLessThan(5000);
  expect(textOf(await client.callTool({ name: "greet", arguments: { name: "again" } }))).toBe("Hola, again!");
}
