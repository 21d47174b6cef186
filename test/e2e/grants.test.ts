/**
 * What a manifest grants a plugin, and nothing more: config values, HTTP to allowed hosts only, and a fuel
 * budget that stops metered work.
 */
import { watString } from "../helpers/wat-plugin.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";

let gw: TestGateway;
let upstream: ReturnType<typeof Bun.serve>;
const UPSTREAM_RESULT = { content: [{ type: "text", text: "fetched from upstream" }] };


/** call_tool = output the body of GET <url> (the upstream answers with a CallToolResult). */
function httpFetchSpec(url: string) {
  const request = JSON.stringify({ url, method: "GET" });
  return {
    extra: `(import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
      (import "extism:host/env" "length" (func $length (param i64) (result i64)))
      (data (i32.const 8192) "${watString(request)}")
      (global $body (mut i64) (i64.const 0))`,
    body: `(global.set $body (call $http_request (call $to_block (i32.const 8192) (i32.const ${request.length})) (i64.const 0)))
      (call $output_set (global.get $body) (call $length (global.get $body)))
      (return (i32.const 0))`,
  };
}

beforeAll(async () => {
  upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json(UPSTREAM_RESULT) });
  gw = await startTestGateway();
  const url = `http://127.0.0.1:${upstream.port}/data`;
  writeWatPlugin(gw.pluginsDir, { name: "fetch-allowed", tool: "fetch_allowed", ...httpFetchSpec(url), manifest: { allowedHosts: ["127.0.0.1"] } });
  writeWatPlugin(gw.pluginsDir, { name: "fetch-denied", tool: "fetch_denied", ...httpFetchSpec(url) });
  const key = "result";
  writeWatPlugin(gw.pluginsDir, {
    name: "configured",
    tool: "configured",
    manifest: { config: { result: JSON.stringify({ content: [{ type: "text", text: "from config" }] }) } },
    extra: `(import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
      (import "extism:host/env" "length" (func $length (param i64) (result i64)))
      (data (i32.const 8192) "${key}")
      (global $value (mut i64) (i64.const 0))`,
    body: `(global.set $value (call $config_get (call $to_block (i32.const 8192) (i32.const ${key.length}))))
      (call $output_set (global.get $value) (call $length (global.get $value)))
      (return (i32.const 0))`,
  });
  writeWatPlugin(gw.pluginsDir, { name: "metered", tool: "metered", ...HOSTILE.spin, manifest: { limits: { fuel: 2_000_000, timeoutMs: 60_000 } } });
  await gw.registry.rescan();
});
afterAll(async () => {
  await gw.stop();
  upstream.stop(true);
});

const textOf = (r: Record<string, unknown>) => (r.content as { text: string }[]).map((c) => c.text).join("");

describe("manifest grants", () => {
  test("a plugin reads the config values its manifest gives it", async () => {
    await using client = await connectClient(gw.mcpUrl);
    expect(textOf(await client.callTool({ name: "configured", arguments: {} }))).toBe("from config");
  });

  test("HTTP to a host in allowedHosts goes through", async () => {
    await using client = await connectClient(gw.mcpUrl);
    expect(textOf(await client.callTool({ name: "fetch_allowed", arguments: {} }))).toBe("fetched from upstream");
  });

  test("HTTP to a host not in allowedHosts is refused and the call fails", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "fetch_denied", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("not allowed");
  });

  test("a fuel budget stops metered work with an error naming the budget", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const started = performance.now();
    const result = await client.callTool({ name: "metered", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("used its whole fuel budget of 2000000 units");
    expect(performance.now() - started).toBeLessThan(30_000);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/sandbox_traps_total\{plugin="metered",kind="fuel_exhausted"\} 1/);
    expect(metrics).toMatch(/sandbox_fuel_used_total\{plugin="metered"\} (19|20)\d{5}/);
  });
});
