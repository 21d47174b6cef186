/**
 * The shipped `http-fetch` plugin behind a real gateway on 127.0.0.1:0, called over HTTP with the MCP SDK
 * client, against a local Bun.serve. Its manifest is given allowedHosts ["127.0.0.1"] and tight limits
 * here, as an operator would: GET/POST as text and JSON work; a host not allowed, a redirect to one, a
 * non-http URL, a response over the size limit and a response slower than the time limit all fail with an
 * isError result that says why; the manifest as shipped reaches nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bearer, dataDirWithKeys } from "../helpers/api-keys.ts";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";

const temp = tempFolders();
const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 1500;
let upstream: ReturnType<typeof Bun.serve>;
let base: string;
let gw: TestGateway;
/** http-fetch is MEDIUM risk: the shipped policies let only authenticated callers use it. */
let key: string;

type Client = Awaited<ReturnType<typeof connectClient>>;
const fetchTool = (client: Client, args: Record<string, unknown>) => client.callTool({ name: "http_fetch", arguments: args }) as Promise<any>;
const textOf = (result: any) => (result.content as { text?: string }[]).map((c) => c.text ?? "").join("");

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/text") return new Response("plain words", { headers: { "content-type": "text/plain", "x-upstream": "yes" } });
      if (path === "/json") return Response.json({ items: [1, 2, 3], ok: true });
      if (path === "/echo") {
        return Response.json({ method: req.method, token: req.headers.get("x-token"), body: await req.json() });
      }
      if (path === "/big") return new Response("x".repeat(MAX_BYTES * 2));
      if (path === "/slow") return new Promise((resolve) => setTimeout(() => resolve(new Response("late")), TIMEOUT_MS * 4));
      if (path === "/inside") return Response.redirect(`${base}/json`, 302);
      if (path === "/outside") return Response.redirect(`http://localhost:${upstream.port}/json`, 302);
      if (path === "/binary") return new Response(new Uint8Array([0xff, 0xfe, 0x00, 0x80]), { headers: { "content-type": "image/png" } });
      return new Response("not found", { status: 404 });
    },
  });
  base = `http://127.0.0.1:${upstream.port}`;
  const { dataDir, keys } = dataDirWithKeys(temp, "agents");
  key = keys[0]!;
  gw = await startTestGateway({ plugins: ["http-fetch"], config: { storage: { dataDir } } });
  // The operator's grant: one host, tighter limits.
  const manifestPath = join(gw.pluginsDir, "http-fetch", "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  manifest.allowedHosts = ["127.0.0.1"];
  manifest.limits = { ...manifest.limits, timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_BYTES };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  await gw.registry.rescan();
});
afterAll(async () => {
  await gw?.stop();
  upstream?.stop(true);
});

describe("http_fetch to an allowed host", () => {
  test("GET returns status, headers and the body as text", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, { url: `${base}/text` });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 200, body: "plain words", headers: { "content-type": "text/plain", "x-upstream": "yes" } });
  });

  test('as: "json" parses the body into structured content', async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, { url: `${base}/json`, as: "json" });
    expect(result.structuredContent.body).toEqual({ items: [1, 2, 3], ok: true });
    expect(JSON.parse(textOf(result)).body).toEqual({ items: [1, 2, 3], ok: true });
  });

  test("POST sends the body and headers", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, {
      url: `${base}/echo`,
      method: "POST",
      headers: { "content-type": "application/json", "x-token": "t-1" },
      body: JSON.stringify({ q: "hello" }),
      as: "json",
    });
    expect(result.structuredContent).toMatchObject({ status: 200, body: { method: "POST", token: "t-1", body: { q: "hello" } } });
  });

  test("a redirect within the allowed host is followed; a 404 is a result, not an error", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    expect((await fetchTool(client, { url: `${base}/inside`, as: "json" })).structuredContent.body).toEqual({ items: [1, 2, 3], ok: true });
    const missing = await fetchTool(client, { url: `${base}/nowhere` });
    expect(missing.isError).toBeFalsy();
    expect(missing.structuredContent).toMatchObject({ status: 404, body: "not found" });
  });
});

describe("http_fetch refuses", () => {
  test("a host not in allowedHosts", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, { url: `http://localhost:${upstream.port}/json` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `Tool "http_fetch" failed: the plugin's HTTP request to "http://localhost:${upstream.port}/json" is not allowed (no allowedHosts match "localhost")`,
    );
  });

  test("a redirect to a host not in allowedHosts", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, { url: `${base}/outside` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('is not allowed (no allowedHosts match "localhost")');
  });

  test("non-http URLs, bad methods and a body on GET, with what to change", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const cases: [Record<string, unknown>, string][] = [
      [{ url: "file:///etc/passwd" }, 'only http:// and https:// URLs can be fetched, not "file:///etc/passwd"'],
      [{ url: `${base}/text`, body: "x" }, "a body can only be sent with method POST"],
      [{ url: `${base}/text`, headers: { "bad header": "x" } }, "header 'bad header' is not a valid HTTP header"],
    ];
    for (const [args, message] of cases) {
      const result = await fetchTool(client, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(message);
    }
  });

  test("a response larger than the plugin's maxOutputBytes", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const result = await fetchTool(client, { url: `${base}/big` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toStartWith(`the response from ${base}/big (status 200) is larger than this tool may return (the plugin's limits.maxOutputBytes)`);
  });

  test("a response slower than the plugin's timeout", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const started = performance.now();
    const result = await fetchTool(client, { url: `${base}/slow` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`Tool "http_fetch" failed: the plugin did not finish within its ${TIMEOUT_MS} ms limit`);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 3);
  });

  test("a body that is not JSON when JSON was asked for, and a binary body", async () => {
    await using client = await connectClient(gw.mcpUrl, {}, bearer(key));
    const notJson = await fetchTool(client, { url: `${base}/text`, as: "json" });
    expect(notJson.isError).toBe(true);
    expect(textOf(notJson)).toStartWith("the response (status 200) is not valid JSON (");
    const binary = await fetchTool(client, { url: `${base}/binary` });
    expect(textOf(binary)).toBe("the response (status 200, image/png) is not text; http_fetch returns text or JSON only");
  });
});

describe("http_fetch as shipped (allowedHosts empty)", () => {
  test("reaches nothing, and says which host it was refused", async () => {
    const { dataDir, keys } = dataDirWithKeys(temp, "agents");
    await using shipped = await startTestGateway({ plugins: ["http-fetch"], config: { storage: { dataDir } } });
    await using client = await connectClient(shipped.mcpUrl, {}, bearer(keys[0]!));
    const result = await fetchTool(client, { url: `${base}/text` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('is not allowed (no allowedHosts match "127.0.0.1")');
  });
});
