import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo", "echo-servlet", "text-tools"] });
});
afterAll(() => gw.stop());

describe("tools over Streamable HTTP with the SDK client", () => {
  test("lists the tools of every loaded plugin", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("echo");
    expect(names).toContain("word_count");
  });

  test("calls a hyper-mcp plugin tool and gets its result", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const result = await client.callTool({ name: "echo", arguments: { text: "hello sandbox" } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "hello sandbox" }]);
  });

  test("an unknown tool is a -32602 error naming it", async () => {
    await using client = await connectClient(gw.mcpUrl);
    const err = await client.callTool({ name: "no_such_tool", arguments: {} }).catch((e) => e);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain("no_such_tool");
  });

  test("metrics count calls by tool and outcome", async () => {
    await using client = await connectClient(gw.mcpUrl);
    await client.callTool({ name: "echo", arguments: { text: "m" } });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="ok"\} [1-9]/);
    expect(text).toContain('sandbox_instances{plugin="echo",state="idle"}');
  });
});
