import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger } from "../../log.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import { toJsonRpcError } from "../../protocol/errors.ts";
import { Session } from "../../session/session.ts";
import { Call, type CallSource, type Outcome, type Principal, type Target } from "../types.ts";
import { policyConfigSchema } from "./config.ts";
import { createPolicyStage } from "./index.ts";
import { LOCAL, MONDAY_10_UTC, policyDir, principal, tool } from "./test-helpers.ts";

const SHIPPED = join(import.meta.dir, "..", "..", "..", "policies");

function call(method: string, target: Target | undefined, who: Principal = principal(), source: CallSource = LOCAL, args: Record<string, unknown> = {}): Call {
  const c = new Call({ jsonrpc: "2.0", id: 1, method, params: { name: target?.name, arguments: args } }, new Session("s", "2025-11-25", undefined, {}), who, source);
  c.target = target;
  return c;
}

async function stageOver(dir: string, extra: Record<string, unknown> = {}) {
  const logs: string[] = [];
  const metrics = new MetricsRegistry();
  const policy = await createPolicyStage({
    config: policyConfigSchema.parse({ dir, watch: false, ...extra }),
    log: createLogger("debug", {}, (l) => void logs.push(l)),
    metrics,
    now: () => MONDAY_10_UTC,
  });
  return { policy, logs, metrics, [Symbol.asyncDispose]: () => policy.close() };
}

const rejection = (o: Outcome) => {
  if (o.kind !== "reject") throw new Error(`expected a rejection, got ${o.kind}`);
  return { outcome: o.outcome, kind: o.error.kind, message: o.error.message, code: toJsonRpcError(o.error).code };
};

describe("policy stage with the shipped defaults", () => {
  test("anonymous on loopback may call a LOW tool; the decision is recorded on the call", async () => {
    await using s = await stageOver(SHIPPED);
    const c = call("tools/call", tool(), principal({ id: "anonymous", method: "anonymous", tenant: "default" }));
    expect(s.policy.stage.onRequest!(c)).toEqual({ kind: "pass" });
    expect(c.decision).toMatchObject({ effect: "allow", policyId: "low-risk-allow" });
  });

  test("a denial is a -32011 naming the policy and its reason", async () => {
    await using s = await stageOver(SHIPPED);
    const c = call("tools/call", tool({ name: "b_reports", tags: ["tenant:b"] }), principal({ tenant: "a" }));
    expect(rejection(s.policy.stage.onRequest!(c) as Outcome)).toEqual({
      outcome: "denied",
      kind: "denied",
      code: -32011,
      message: 'tools/call on tool "b_reports" denied by policy tenant-isolation: the tool belongs to another tenant',
    });
    expect(s.metrics.render()).toContain('mcp_policy_decisions_total{effect="deny"} 1');
  });

  test("HIGH needs one approver, CRITICAL two people and a time-limited grant: the error says what is needed", async () => {
    await using s = await stageOver(SHIPPED);
    const high = rejection(s.policy.stage.onRequest!(call("tools/call", tool({ name: "deploy", risk: "HIGH" }))) as Outcome);
    expect(high).toMatchObject({ outcome: "approval_required", code: -32012 });
    expect(high.message).toStartWith('tool "deploy" (HIGH) requires approval by one approver; no approval workflow is configured yet');
    const critical = rejection(s.policy.stage.onRequest!(call("tools/call", tool({ name: "drop_db", risk: "CRITICAL" }))) as Outcome);
    expect(critical.message).toStartWith('tool "drop_db" (CRITICAL) requires approval by two different people, as a grant valid for at most 15 minutes; no approval workflow');
  });

  test("tools/list gets a visibility filter: other tenants' tools are hidden, approval tools stay visible", async () => {
    await using s = await stageOver(SHIPPED);
    const c = call("tools/list", undefined, principal({ tenant: "a" }));
    expect(s.policy.stage.onRequest!(c)).toEqual({ kind: "pass" });
    expect(c.decision).toBeUndefined();
    expect(c.visible!(tool({ name: "mine", tags: ["tenant:a"] }))).toBe(true);
    expect(c.visible!(tool({ name: "theirs", tags: ["tenant:b"] }))).toBe(false);
    expect(c.visible!(tool({ name: "deploy", risk: "HIGH" }))).toBe(true);
    const anon = call("prompts/list", undefined, principal({ id: "anonymous", method: "anonymous" }));
    s.policy.stage.onRequest!(anon);
    expect(anon.visible!(tool({ kind: "prompt", risk: "MEDIUM" }))).toBe(false);
  });

  test("methods without a target (initialize, ping, unknown tool names) pass undecided", async () => {
    await using s = await stageOver(SHIPPED);
    const c = call("ping", undefined);
    expect(s.policy.stage.onRequest!(c)).toEqual({ kind: "pass" });
    expect(c.decision).toBeUndefined();
  });
});

describe("shadow mode", () => {
  test("a shadow file's different verdict is logged and recorded, and the call still passes", async () => {
    using p = policyDir({
      "a.yaml": `policies:\n  - id: all\n    description: everything\n    effect: allow\n    condition: "true"\n`,
      "b.yaml": `mode: shadow\npolicies:\n  - id: no-echo\n    description: echo is going away\n    effect: deny\n    condition: resource.name == "echo"\n`,
    });
    await using s = await stageOver(p.dir);
    const c = call("tools/call", tool());
    expect(s.policy.stage.onRequest!(c)).toEqual({ kind: "pass" });
    expect(c.decision!.shadow).toEqual({ effect: "deny", policyId: "no-echo", reason: "echo is going away" });
    const line = s.logs.find((l) => l.includes("policy shadow decision differs"));
    expect(JSON.parse(line!)).toMatchObject({ enforced: "all", effect: "allow", shadow: { policyId: "no-echo" }, target: "echo" });
  });
});

describe("hot reload", () => {
  const allow = (id: string) => `policies:\n  - id: ${id}\n    description: ${id}\n    effect: allow\n    condition: "true"\n`;

  /** Polls (bounded) until `check` holds: the watcher's timing is the OS's. */
  async function until(check: () => boolean, what: string) {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Bun.sleep(10);
    }
  }

  test("a changed file is picked up without a restart; a broken change keeps the old set and logs file:line", async () => {
    using p = policyDir({ "a.yaml": allow("first") });
    await using s = await stageOver(p.dir, { watch: true, reloadDebounceMs: 20 });
    const decide = () => {
      const c = call("tools/call", tool());
      s.policy.stage.onRequest!(c);
      return c.decision!.policyId;
    };
    expect(decide()).toBe("first");
    p.write("a.yaml", allow("second"));
    await until(() => decide() === "second", "the reload");

    p.write("a.yaml", `${allow("third")}  - id: broken\n    description: x\n    effect: allow\n    condition: principal.nope\n`);
    await until(() => s.logs.some((l) => l.includes("policy reload failed")), "the failed reload to be logged");
    expect(decide()).toBe("second");
    const logged = JSON.parse(s.logs.find((l) => l.includes("policy reload failed"))!);
    expect(logged.error).toContain(`${join(p.dir, "a.yaml")}:9: policy broken: condition: No such key: nope`);
    expect(s.metrics.render()).toContain('mcp_policy_reloads_total{result="error"} 1');
  });

  test("a bad folder at start stops the start with every error", async () => {
    using p = policyDir({ "a.yaml": "policies:\n  - id: x\n" });
    await expect(stageOver(p.dir)).rejects.toThrow(/a\.yaml:2: policy "x": description/);
  });

  test("reload() reports whether the new set was taken", async () => {
    using p = policyDir({ "a.yaml": allow("first") });
    await using s = await stageOver(p.dir);
    p.write("b.yaml", "policies: [");
    expect(s.policy.reload()).toBe(false);
    p.write("b.yaml", allow("other"));
    expect(s.policy.reload()).toBe(true);
    expect(s.policy.current().size).toBe(2);
  });
});
