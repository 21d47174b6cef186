/**
 * A small load driver for audit durability tests: N workers, each with its own MCP session, call
 * `echo` with a unique text per call and remember which calls were acknowledged (a successful result
 * reached the client). Workers stop on `stop()` or when the gateway goes away.
 */
import { rawInitialize, rawPost } from "./gateway.ts";

export interface Load {
  /** Texts of calls whose successful response reached the client. */
  readonly acked: string[];
  /** Calls sent (acknowledged or not). */
  sent(): number;
  /** Calls that got an error response (not acknowledged). */
  readonly failed: string[];
  stop(): Promise<void>;
}

async function callOnce(url: string, session: string, text: string): Promise<"ok" | "error"> {
  const res = await rawPost(
    url,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text } } },
    { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
  );
  const body = await res.text();
  const json = JSON.parse(body.startsWith("{") ? body : (body.split("\n").find((l) => l.startsWith("data:")) ?? "data:{}").slice(5));
  return res.status === 200 && json.result && !json.result.isError ? "ok" : "error";
}

export async function startLoad(url: string, workers: number, prefix: string): Promise<Load> {
  const acked: string[] = [];
  const failed: string[] = [];
  let n = 0;
  let stopped = false;
  const sessions = await Promise.all(Array.from({ length: workers }, () => rawInitialize(url)));
  const loops = sessions.map(async (session) => {
    while (!stopped) {
      const text = `${prefix}-${n++}`;
      try {
        if ((await callOnce(url, session, text)) === "ok") acked.push(text);
        else failed.push(text);
      } catch {
        return; // connection refused or reset: the gateway is gone
      }
    }
  });
  return {
    acked,
    failed,
    sent: () => n,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Polls with a bound instead of sleeping a fixed time. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await Bun.sleep(10);
  }
}
