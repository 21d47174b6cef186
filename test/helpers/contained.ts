/** Shared by the hostile-plugin suites: a hostile call running while a bystander keeps calling echo. */
import { expect } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectClient } from "./gateway.ts";

/** The text of a tool result's content blocks, joined by newlines. */
export function textOf(result: Record<string, unknown>): string {
  return (result.content as { text: string }[]).map((c) => c.text).join("\n");
}

/**
 * Calls `tool` while a second client calls `echo` in a loop on the same gateway; returns the hostile call's
 * result, how many echoes completed meanwhile (each one checked) and how long the hostile call took.
 */
export async function duringHostileCall(url: string, tool: string, capabilities: Record<string, unknown> = {}, setup?: (c: Client) => void) {
  await using client = await connectClient(url, capabilities);
  setup?.(client);
  await using bystander = await connectClient(url);
  let finished = false;
  const started = performance.now();
  const hostile = client.callTool({ name: tool, arguments: {} }).finally(() => (finished = true));
  let echoes = 0;
  while (!finished) {
    const r = await bystander.callTool({ name: "echo", arguments: { text: `still here ${echoes}` } });
    expect(textOf(r)).toBe(`still here ${echoes}`);
    echoes++;
  }
  return { result: await hostile, echoes, elapsedMs: performance.now() - started };
}
