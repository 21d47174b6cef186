/** Cancellation stops the plugin call; a full queue answers "busy" instead of piling up. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"] });
  writeWatPlugin(gw.pluginsDir, { name: "spinner", tool: "spin", ...HOSTILE.spin, manifest: { limits: { timeoutMs: 60_000 } } });
  writeWatPlugin(gw.pluginsDir, {
    name: "waiter",
    tool: "wait",
    ...HOSTILE.hangInHostCall,
    manifest: { limits: { timeoutMs: 60_000, maxConcurrent: 1, maxQueue: 1 } },
  });
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();
/** Polls the metrics endpoint until `pattern` shows up (bounded), instead of sleeping a fixed time. */
async function metricAppears(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(await metrics())) {
    if (Date.now() > deadline) throw new Error(`metric ${pattern} did not appear`);
    await Bun.sleep(5);
  }
}

describe("cancellation", () => {
  test("notifications/cancelled stops a running plugin call long before its deadline", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const controller = new AbortController();
    const started = performance.now();
    const call = client.callTool({ name: "spin", arguments: {} }, undefined, { signal: controller.signal }).catch((e) => e);
    await metricAppears(/sandbox_instances\{plugin="spinner",state="busy"\} 1/);
    controller.abort("user gave up"); // the SDK sends notifications/cancelled
    expect(await call).toBeInstanceOf(Error);
    await metricAppears(/sandbox_calls_total\{plugin="spinner",result="cancelled"\} 1/);
    expect(performance.now() - started).toBeLessThan(10_000);
    // The instance was discarded and the plugin still works: the next call is accepted and runs.
    await metricAppears(/sandbox_instances\{plugin="spinner",state="busy"\} 0/);
  });
});

describe("bounded queues", () => {
  test("past maxConcurrent + maxQueue, calls get a clear busy error; queued ones complete", async () => {
    await using client = await connectClient(gw.mcpUrl, { sampling: {} });
    // Each sampling request the plugin makes is parked until the test answers it.
    const asks: ((answer: () => void) => void)[] = [];
    const nextAsk = () => new Promise<() => void>((r) => asks.push(r));
    let pendingAsk = nextAsk();
    client.setRequestHandler(CreateMessageRequestSchema, () =>
      new Promise((resolve) => asks.shift()!(() => resolve({ role: "assistant", content: { type: "text", text: "ok" }, model: "m" }))),
    );
    const running = client.callTool({ name: "wait", arguments: {} }); // holds the only instance
    const answerFirst = await pendingAsk;
    pendingAsk = nextAsk();
    const queued = client.callTool({ name: "wait", arguments: {} }); // waits for it
    await metricAppears(/sandbox_queued_calls\{plugin="waiter"\} 1/);
    const rejected = await client.callTool({ name: "wait", arguments: {} });
    expect(rejected.isError).toBe(true);
    expect((rejected.content as { text: string }[])[0]!.text).toContain('plugin "waiter" is busy: 1 calls running and 1 waiting; retry later');
    answerFirst();
    expect((await running).isError).toBeFalsy();
    (await pendingAsk)(); // the queued call got the instance and asks in turn
    expect((await queued).isError).toBeFalsy();
  });
});

describe("the mcp.run servlet ABI", () => {
  test("a servlet plugin's tool is listed and called like any other", async () => {
    await using servletGw = await startTestGateway({ plugins: ["echo-servlet"] });
    await using client = await connectClient(servletGw.mcpUrl);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["servlet_echo"]);
    const result = await client.callTool({ name: "servlet_echo", arguments: { text: "via describe/call" } });
    expect(result.content).toEqual([{ type: "text", text: "via describe/call" }]);
  });
});
