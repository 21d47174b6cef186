import { describe, expect, test } from "bun:test";
import { GatewayError } from "../protocol/errors.ts";
import { Session } from "../session/session.ts";
import { ANONYMOUS, Chain } from "./chain.ts";
import { Call, PASS, type Outcome, type Stage } from "./types.ts";

const newCall = (args: Record<string, unknown> = { a: 1 }) =>
  new Call({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "t", arguments: args } }, new Session("s", "2025-11-25", undefined, {}), ANONYMOUS, {
    transport: "http",
  });

/** A stage that records when each hook ran. */
function recorder(name: string, log: string[], hooks: Partial<Record<"req" | "res", Outcome>> = {}): Stage {
  return {
    name,
    onRequest: () => (log.push(`${name}.request`), hooks.req ?? PASS),
    onResponse: () => (log.push(`${name}.response`), hooks.res ?? PASS),
    onComplete: () => void log.push(`${name}.complete`),
  };
}

describe("Chain", () => {
  test("runs request stages in the documented order, then execute, then response stages, then completion", async () => {
    const log: string[] = [];
    const chain = new Chain({
      audit: recorder("audit", log),
      dlp: recorder("dlp", log),
      firewall: recorder("firewall", log),
      policy: recorder("policy", log),
      rateLimit: recorder("rateLimit", log),
    });
    const result = await chain.run(newCall(), () => (log.push("execute"), { ok: true }));
    expect(result).toEqual({ ok: true });
    expect(log).toEqual([
      "rateLimit.request", "policy.request", "firewall.request", "dlp.request", "audit.request",
      "execute",
      "rateLimit.response", "policy.response", "firewall.response", "dlp.response", "audit.response",
      "rateLimit.complete", "policy.complete", "firewall.complete", "dlp.complete", "audit.complete",
    ]);
  });

  test("a reject stops the chain before execute, becomes the error and the outcome, and completion still runs", async () => {
    const log: string[] = [];
    const denied = new GatewayError("invalid_request", "denied by policy p1");
    const chain = new Chain({
      policy: recorder("policy", log, { req: { kind: "reject", error: denied, outcome: "denied" } }),
      firewall: recorder("firewall", log),
      audit: recorder("audit", log),
    });
    const call = newCall();
    const err = await chain.run(call, () => log.push("execute")).catch((e) => e);
    expect(err).toBe(denied);
    expect(call.outcome).toBe("denied");
    expect(call.error).toBe(denied);
    expect(log).toEqual(["policy.request", "policy.complete", "firewall.complete", "audit.complete"]);
  });

  test("mutations replace the arguments before execute and the result after it", async () => {
    const chain = new Chain({
      firewall: { name: "firewall", onRequest: () => ({ kind: "mutate", value: { a: "normalised" } }) },
      dlp: { name: "dlp", onResponse: (c) => ({ kind: "mutate", value: { text: String((c.result as { text: string }).text).replace("4111", "****") } }) },
    });
    const call = newCall();
    const result = await chain.run(call, (c) => ({ text: `card 4111 for ${c.args!.a}` }));
    expect(result).toEqual({ text: "card **** for normalised" });
    expect(call.args).toEqual({ a: "normalised" });
  });

  test("an execute failure is recorded with its kind and rethrown after completion", async () => {
    let completed: string | undefined;
    const chain = new Chain({ audit: { name: "audit", onComplete: (c) => void (completed = c.outcome) } });
    const err = await chain.run(newCall(), () => {
      throw new GatewayError("invalid_params", "Unknown tool: t");
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe("Unknown tool: t");
    expect(completed).toBe("invalid_params");
  });

  test("the response waits for a durable audit record when one is pending", async () => {
    let release!: () => void;
    const chain = new Chain({ audit: { name: "audit", onComplete: (c) => void (c.durable = new Promise<void>((r) => (release = r))) } });
    let settled = false;
    const running = chain.run(newCall(), () => "done").then((r) => ((settled = true), r));
    await Bun.sleep(0);
    expect(settled).toBe(false);
    release();
    expect(await running).toBe("done");
  });

  test("synchronous stages on the pass path are not awaited (no extra microtask turns)", async () => {
    let turns = 0;
    const stage: Stage = { name: "sync", onRequest: () => PASS };
    const chain = new Chain({ rateLimit: stage, policy: stage, firewall: stage });
    const counting = (async () => {
      for (let i = 0; i < 10; i++) {
        await null;
        turns++;
      }
    })();
    await chain.run(newCall(), () => "x");
    const seen = turns;
    await counting;
    expect(seen).toBeLessThanOrEqual(2);
  });
});
