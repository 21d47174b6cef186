/**
 * Hostile plugins: each gets a clear tool error within its limit, the gateway keeps answering other calls
 * meanwhile (asserted with concurrent calls), and the plugin works again afterwards (instance rebuilt).
 */
import { duringHostileCall, textOf } from "../helpers/contained.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
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



describe("hostile plugins are contained", () => {
  test("an infinite loop is stopped at its deadline while other calls are served", async () => {
    const { result, echoes, elapsedMs } = await duringHostileCall(gw.mcpUrl, "spin");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`within its ${TIMEOUT_MS} ms limit`);
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(echoes).toBeGreaterThan(5);
  });

  test("a guest memory bomb hits the memory cap and gets a memory error", async () => {
    const { result } = await duringHostileCall(gw.mcpUrl, "memoryBomb");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/of its 4\.0 MB memory limit, most likely out of memory/);
  });

  test("a host-block memory bomb is refused at the same cap", async () => {
    const { result } = await duringHostileCall(gw.mcpUrl, "hostMemoryBomb");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("more than its 4 MB memory limit");
  });

  test("an output flood becomes an error naming the output limit", async () => {
    const { result } = await duringHostileCall(gw.mcpUrl, "flood");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("returned 8388608 bytes, more than its limit of 1048576 bytes");
  });

  test("a trap is reported as a crash", async () => {
    const { result } = await duringHostileCall(gw.mcpUrl, "trap");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("crashed");
  });

  test("unbounded recursion is a stack overflow crash, not a dead gateway", async () => {
    const { result } = await duringHostileCall(gw.mcpUrl, "recurse");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/crashed/);
  });

  test("a plugin stuck in a host call (client never answers sampling) is stopped at its deadline", async () => {
    const { result, echoes } = await duringHostileCall(gw.mcpUrl, "hangInHostCall", { sampling: {} }, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, () => new Promise(() => {})),
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`within its ${TIMEOUT_MS} ms limit`);
    expect(echoes).toBeGreaterThan(5);
  });

  test("after crashing, each plugin is rebuilt and serves again; the failures are counted", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const first = await client.callTool({ name: "trap", arguments: {} });
    const second = await client.callTool({ name: "trap", arguments: {} });
    expect(first.isError && second.isError).toBe(true);
    expect(textOf(second)).toContain("crashed"); // a fresh instance trapped again, rather than a broken one
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/sandbox_timeouts_total\{plugin="hostile-spin"\} [1-9]/);
    expect(metrics).toMatch(/sandbox_traps_total\{plugin="hostile-trap",kind="trap"\} [1-9]/);
  });
});
