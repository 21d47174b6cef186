/**
 * Hostile plugins: each gets a clear tool error within its limit, the gateway keeps answering other calls
 * meanwhile (asserted with concurrent calls), and the plugin works again afterwards (instance rebuilt).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";

let gw: TestGateway;
const TIMEOUT_MS = 400;

beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"] });
  const limits = { timeoutMs: TIMEOUT_MS, memoryMb: 4, maxOutputBytes: 1024 * 1024 };
  for (const [name, spec] of Object.entries(HOSTILE)) {
    // The flood gets room in memory so that what stops it is the output limit, not the memory cap.
    const memoryMb = name === "flood" ? 32 : limits.memoryMb;
    writeWatPlugin(gw.pluginsDir, { name: `hostile-${name}`, tool: name, manifest: { limits: { ...limits, memoryMb } }, ...spec });
  }
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

function text(result: Record<string, unknown>): string {
  return (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");
}

/** Runs `hostile` while calling echo in a loop; returns the hostile result and how many echoes completed meanwhile. */
async function duringHostileCall(tool: string, capabilities: Record<string, unknown> = {}, setup?: (c: Client) => void) {
  await using client = await connectClient(gw.mcpUrl, capabilities);
  setup?.(client);
  await using bystander = await connectClient(gw.mcpUrl);
  let finished = false;
  const started = performance.now();
  const hostile = client.callTool({ name: tool, arguments: {} }).finally(() => (finished = true));
  let echoes = 0;
  while (!finished) {
    const r = await bystander.callTool({ name: "echo", arguments: { text: `still here ${echoes}` } });
    expect(text(r)).toBe(`still here ${echoes}`);
    echoes++;
  }
  const result = await hostile;
  return { result, echoes, elapsedMs: performance.now() - started };
}

describe("hostile plugins are contained", () => {
  test("an infinite loop is stopped at its deadline while other calls are served", async () => {
    const { result, echoes, elapsedMs } = await duringHostileCall("spin");
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`within its ${TIMEOUT_MS} ms limit`);
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(echoes).toBeGreaterThan(5);
  });

  test("a guest memory bomb hits the memory cap and gets a memory error", async () => {
    const { result } = await duringHostileCall("memoryBomb");
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/of its 4\.0 MB memory limit, most likely out of memory/);
  });

  test("a host-block memory bomb is refused at the same cap", async () => {
    const { result } = await duringHostileCall("hostMemoryBomb");
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("more than its 4 MB memory limit");
  });

  test("an output flood becomes an error naming the output limit", async () => {
    const { result } = await duringHostileCall("flood");
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("returned 8388608 bytes, more than its limit of 1048576 bytes");
  });

  test("a trap is reported as a crash", async () => {
    const { result } = await duringHostileCall("trap");
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("crashed");
  });

  test("unbounded recursion is a stack overflow crash, not a dead gateway", async () => {
    const { result } = await duringHostileCall("recurse");
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/crashed/);
  });

  test("a plugin stuck in a host call (client never answers sampling) is stopped at its deadline", async () => {
    const { result, echoes } = await duringHostileCall("hangInHostCall", { sampling: {} }, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, () => new Promise(() => {})),
    );
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`within its ${TIMEOUT_MS} ms limit`);
    expect(echoes).toBeGreaterThan(5);
  });

  test("after crashing, each plugin is rebuilt and serves again; the failures are counted", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const first = await client.callTool({ name: "trap", arguments: {} });
    const second = await client.callTool({ name: "trap", arguments: {} });
    expect(first.isError && second.isError).toBe(true);
    expect(text(second)).toContain("crashed"); // a fresh instance trapped again, rather than a broken one
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/sandbox_timeouts_total\{plugin="hostile-spin"\} [1-9]/);
    expect(metrics).toMatch(/sandbox_traps_total\{plugin="hostile-trap",kind="trap"\} [1-9]/);
  });
});
