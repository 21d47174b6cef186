/**
 * http_request against a local server: allowed hosts, refusals (also via redirect), the response cap,
 * status codes, and the call's deadline bounding a slow server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { failure, guest, watString } from "./testkit.ts";

let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/echo") return new Response(`${req.method} ${req.headers.get("x-test") ?? ""} ${await req.text()}`);
      if (path === "/missing") return new Response("nope", { status: 404 });
      if (path === "/big") return new Response("x".repeat(5000));
      if (path === "/away") return Response.redirect("http://localhost:1/elsewhere", 302);
      if (path === "/to-file") return new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } });
      if (path === "/slow") return new Promise((resolve) => setTimeout(() => resolve(new Response("late")), 2000));
      return new Response("hello from upstream");
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

/**
 * A guest whose `fetch` export sends the request block given in the input, with body "payload", and
 * outputs the response body; `status` outputs the last status code as a u64.
 */
async function fetcher(allowedHosts: string[], maxOutputBytes = 1 << 20) {
  return guest(
    `(data (i32.const 0) "${watString("payload")}")
    (global $status (mut i64) (i64.const 0))
    (func (export "fetch") (result i32) (local $res i64)
      (local.set $res (call $http_request (call $input_block) (call $to_block (i32.const 0) (i32.const 7))))
      (global.set $status (i64.extend_i32_u (call $http_status_code)))
      (call $out (local.get $res)) (i32.const 0))
    (func (export "status") (result i32) (call $out (call $u64_block (global.get $status))) (i32.const 0))`,
    { allowedHosts, maxOutputBytes },
  );
}
const request = (path: string, extra: Record<string, unknown> = {}) => JSON.stringify({ url: `${base}${path}`, ...extra });

describe("http_request", () => {
  test("to an allowed host: the body comes back and the status is set", async () => {
    const { call, callU64 } = await fetcher(["127.0.0.1"]);
    expect(await call("fetch", request("/"))).toBe("hello from upstream");
    expect(await callU64("status")).toBe(200n);
    expect(await call("fetch", request("/missing"))).toBe("nope");
    expect(await callU64("status")).toBe(404n);
  });

  test("method, headers and body are sent (no body for GET)", async () => {
    const { call } = await fetcher(["127.0.0.1"]);
    expect(await call("fetch", request("/echo", { method: "post", headers: { "x-test": "yes" } }))).toBe("POST yes payload");
    expect(await call("fetch", request("/echo"))).toBe("GET  ");
  });

  test("allowedHosts takes globs", async () => {
    const { call } = await fetcher(["127.0.0.*"]);
    expect(await call("fetch", request("/"))).toBe("hello from upstream");
  });

  test("a host not allowed fails the call, naming the host", async () => {
    const { call } = await fetcher(["example.com"]);
    expect(await failure(call("fetch", request("/")))).toMatchObject({
      failure: "trap",
      message: `the plugin's HTTP request to "${base}/" is not allowed (no allowedHosts match "127.0.0.1")`,
    });
  });

  test("a redirect to a host not allowed is refused too", async () => {
    const { call } = await fetcher(["127.0.0.1"]);
    const err = await failure(call("fetch", request("/away")));
    expect(err.message).toContain('no allowedHosts match "localhost"');
  });

  test("a body over the cap is logged and the guest gets no body (as the SDK); the status stays", async () => {
    const { call, callU64, logs } = await fetcher(["127.0.0.1"], 1000);
    expect(await call("fetch", request("/big"))).toBeNull();
    expect(await callU64("status")).toBe(200n);
    expect(logs.map((l) => l.text)).toEqual([`plugin HTTP response from 127.0.0.1:${server.port} is over 1000 bytes; the plugin gets no body`]);
  });

  test("a redirect to a non-http URL is refused", async () => {
    const { call } = await fetcher(["*"]);
    // "*" matches any name, but not 127.0.0.1 by pattern (internal address): allow it exactly, plus "*".
    const { call: callExact } = await fetcher(["127.0.0.1", "*"]);
    expect((await failure(callExact("fetch", request("/to-file")))).message).toContain("only http: and https: URLs are");
    expect((await failure(call("fetch", JSON.stringify({ url: "file:///etc/passwd" })))).message).toContain("only http: and https: URLs are");
  });

  test("a name pattern does not open internal addresses", async () => {
    const { call } = await fetcher(["*"]);
    expect((await failure(call("fetch", request("/")))).message).toContain('"127.0.0.1" is the internal address 127.0.0.1');
  });

  test("a network failure names the request", async () => {
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const { call } = await fetcher(["127.0.0.1"]);
    const err = await failure(call("fetch", JSON.stringify({ url: `http://127.0.0.1:${port}/` })));
    expect(err.message).toStartWith(`the plugin's HTTP request to "http://127.0.0.1:${port}/" failed: `);
  });

  test("a malformed request block or URL fails the call with what was wrong", async () => {
    const { call } = await fetcher(["127.0.0.1"]);
    expect((await failure(call("fetch", "not json"))).message).toBe("the plugin's HTTP request block is not a JSON object {url, method?, headers?}");
    expect((await failure(call("fetch", JSON.stringify({ url: "::nope" })))).message).toBe('the plugin\'s HTTP request has an invalid URL: "::nope"');
  });

  test("a slow server is cut off at the call's deadline", async () => {
    const { call } = await fetcher(["127.0.0.1"]);
    const started = performance.now();
    const err = await failure(call("fetch", request("/slow"), { timeoutMs: 100, limitMs: 100 }));
    expect(err).toMatchObject({ failure: "timeout" });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
