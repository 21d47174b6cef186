import { describe, expect, test } from "bun:test";
import { ANONYMOUS } from "../../pipeline/chain.ts";
import { createLogger } from "../../log.ts";
import { EMPTY_CATALOG } from "../../registry/catalog.ts";
import { McpServer } from "../../server/mcp-server.ts";
import { SessionHub } from "../../session/hub.ts";
import { LINE_TOO_LONG, readLines, serveStdio } from "./stdio-transport.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? bytes(p) : p;
}

async function collect(input: AsyncIterable<Uint8Array>, max = 100) {
  const out: (string | typeof LINE_TOO_LONG)[] = [];
  for await (const line of readLines(input, max)) out.push(line);
  return out;
}

describe("readLines", () => {
  test("splits across and within chunks, drops CR, keeps a last line without newline", async () => {
    expect(await collect(chunks('{"a":', '1}\n{"b":2}\r\n{"c"', ":3}\n\n", "tail"))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', "", "tail"]);
  });

  test("does not split a multi-byte character cut between chunks", async () => {
    const all = bytes("héllo ✓\n");
    expect(await collect(chunks(all.subarray(0, 2), all.subarray(2, 8), all.subarray(8)))).toEqual(["héllo ✓"]);
  });

  test("a line over the limit is reported once and skipped, and the next line is read", async () => {
    expect(await collect(chunks("x".repeat(60), "y".repeat(60), "z".repeat(60), "\nok\n"))).toEqual([LINE_TOO_LONG, "ok"]);
    expect(await collect(chunks(`${"x".repeat(150)}\nok\n`))).toEqual([LINE_TOO_LONG, "ok"]);
    expect(await collect(chunks(`${"x".repeat(100)}\r\n`))).toEqual(["x".repeat(100)]);
  });
});

describe("serveStdio", () => {
  const server = new McpServer({ catalog: () => EMPTY_CATALOG, pageSize: 10 });
  const log = createLogger("silent");
  const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18" } });

  test("answers every line, errors included, and resolves at EOF; the session leaves the hub", async () => {
    const hub = new SessionHub();
    const out: any[] = [];
    const input = chunks(`${init}\n`, "nope\n", `${"x".repeat(300)}\n`, '{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    const { done } = serveStdio(server, hub, { input, write: (l) => out.push(JSON.parse(l)), maxMessageBytes: 200, drainTimeoutMs: 1000, principal: ANONYMOUS }, log);
    await done;
    expect(out.map((m) => m.error?.code ?? "ok")).toEqual(["ok", -32700, -32600, "ok"]);
    expect(hub.trackedCount).toBe(0);
  });

  test("list_changed broadcasts reach the stdio session once it is initialized", async () => {
    const hub = new SessionHub();
    const out: any[] = [];
    let endInput!: () => void;
    const ended = new Promise<void>((r) => (endInput = r));
    async function* input() {
      yield bytes(`${init}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n`);
      await ended;
    }
    const { done } = serveStdio(server, hub, { input: input(), write: (l) => out.push(JSON.parse(l)), maxMessageBytes: 1000, drainTimeoutMs: 1000, principal: ANONYMOUS }, log);
    const tick = () => new Promise((r) => setImmediate(r));
    while (out.length === 0) await tick();
    await tick(); // the initialized notification, on the same chunk, is read by now too
    hub.broadcast("notifications/tools/list_changed");
    expect(out.at(-1)).toEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    endInput();
    await done;
  });
});
