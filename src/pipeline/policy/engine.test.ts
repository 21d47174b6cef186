import { describe, expect, test } from "bun:test";
import type { DecisionInput } from "./engine.ts";
import { loadPolicyDir } from "./loader.ts";
import { LOCAL, MONDAY_10_UTC, policyDir, principal, tool } from "./test-helpers.ts";

const policy = (id: string, effect: string, condition: string, extra = "") =>
  `  - id: ${id}\n    description: ${id} says so\n    effect: ${effect}\n    condition: '${condition}'\n${extra}`;

function setOf(files: Record<string, string>) {
  using p = policyDir(files);
  return loadPolicyDir(p.dir);
}
const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  principal: principal(),
  method: "tools/call",
  target: tool(),
  args: {},
  source: LOCAL,
  nowMs: MONDAY_10_UTC,
  ...over,
});

describe("combining: deny > require_approval > allow, default deny", () => {
  const set = setOf({
    "a.yaml": `policies:\n${policy("allow-all", "allow", "true")}${policy("approve-high", "require_approval", 'resource.risk == "HIGH"')}${policy("deny-secret", "deny", '"secret" in resource.tags')}`,
  });

  test("the strongest matching effect wins regardless of file order", () => {
    expect(set.decide(input()).policyId).toBe("allow-all");
    expect(set.decide(input({ target: tool({ risk: "HIGH" }) }))).toMatchObject({ effect: "require_approval", policyId: "approve-high" });
    expect(set.decide(input({ target: tool({ risk: "HIGH", tags: ["secret"] }) }))).toMatchObject({ effect: "deny", policyId: "deny-secret", reason: "deny-secret says so" });
  });

  test("nothing allows -> default-deny, whose reason names the call", () => {
    const empty = setOf({ "a.yaml": `policies:\n${policy("only-high", "allow", 'resource.risk == "HIGH"')}` });
    const d = empty.decide(input({ target: tool({ name: "echo", risk: "LOW" }) }));
    expect(d).toMatchObject({ effect: "deny", policyId: "default-deny" });
    expect(d.reason).toBe('no policy allows tools/call on tool "echo" (LOW) for principal key:ak_1 (tenant acme); everything not explicitly allowed is denied');
  });

  test("within one effect, the higher priority is the one reported", () => {
    const s = setOf({ "a.yaml": `policies:\n${policy("generic", "deny", "true")}${policy("specific", "deny", "true", "    priority: 5\n")}` });
    expect(s.decide(input()).policyId).toBe("specific");
  });

  test("applies_to limits a policy to some methods", () => {
    const s = setOf({ "a.yaml": `policies:\n${policy("tools-only", "allow", "true", "    applies_to: [tools/call]\n")}` });
    expect(s.decide(input()).effect).toBe("allow");
    expect(s.decide(input({ method: "prompts/get", target: tool({ kind: "prompt" }) })).policyId).toBe("default-deny");
  });
});

describe("time windows", () => {
  const set = setOf({
    "a.yaml": `policies:\n${policy("office-hours", "allow", "true", '    hours: "09:00-17:00"\n    days: [mon, tue, wed, thu, fri]\n    timezone: Europe/Berlin\n')}${policy("night-freeze", "deny", '"deploy" == resource.name', '    hours: "22:00-06:00"\n')}`,
  });
  const at = (iso: string, name = "echo") => set.decide(input({ nowMs: Date.parse(iso), target: tool({ name }) }));

  test("an allow with office hours applies inside them, in the policy's time zone", () => {
    expect(at("2025-01-06T08:30:00Z").policyId).toBe("office-hours"); // 09:30 in Berlin
    expect(at("2025-01-06T07:30:00Z").policyId).toBe("default-deny"); // 08:30 in Berlin
    expect(at("2025-01-06T16:00:00Z").policyId).toBe("default-deny"); // 17:00 in Berlin: end is exclusive
    expect(at("2025-01-04T10:00:00Z").policyId).toBe("default-deny"); // Saturday
  });

  test("a window past midnight wraps (UTC by default)", () => {
    expect(at("2025-01-06T23:00:00Z", "deploy").policyId).toBe("night-freeze");
    expect(at("2025-01-07T05:59:00Z", "deploy").policyId).toBe("night-freeze");
    expect(at("2025-01-07T06:00:00Z", "deploy").policyId).toBe("default-deny"); // allow is office hours only
    expect(at("2025-01-07T09:00:00Z", "deploy").policyId).toBe("office-hours");
  });

  test("conditions can read the time too", () => {
    const s = setOf({ "a.yaml": `policies:\n${policy("mornings", "allow", 'now.getHours("UTC") < 12')}` });
    expect(s.decide(input({ nowMs: Date.parse("2025-01-06T11:59:00Z") })).effect).toBe("allow");
    expect(s.decide(input({ nowMs: Date.parse("2025-01-06T12:00:00Z") })).effect).toBe("deny");
  });
});

describe("arguments and context", () => {
  const set = setOf({
    "a.yaml": `policies:\n${policy("allow", "allow", "true")}${policy("no-etc", "deny", 'context.arguments.path.startsWith("/etc")')}${policy("big-only-local", "deny", '!context.local && has(context.arguments.size) && context.arguments.size > 100')}`,
  });

  test("a condition on arguments decides per call, not from the cache", () => {
    expect(set.decide(input({ args: { path: "/etc/passwd" } })).policyId).toBe("no-etc");
    expect(set.decide(input({ args: { path: "/tmp/x" } })).policyId).toBe("allow");
    expect(set.decide(input({ args: { path: "/etc/shadow" } })).policyId).toBe("no-etc");
  });

  test("a deny condition that cannot be evaluated fails closed and says why", () => {
    const d = set.decide(input({ args: {} }));
    expect(d).toMatchObject({ effect: "deny", policyId: "no-etc" });
    expect(d.reason).toContain("condition could not be evaluated: No such key: path");
  });

  test("for list visibility there are no arguments yet: the item stays visible", () => {
    expect(set.decide(input({ args: undefined, listing: true })).effect).toBe("allow");
  });

  test("source address and transport are inputs", () => {
    const remote = { transport: "http" as const, address: "203.0.113.9" };
    expect(set.decide(input({ args: { path: "/tmp", size: 500 }, source: remote })).policyId).toBe("big-only-local");
    expect(set.decide(input({ args: { path: "/tmp", size: 500 } })).policyId).toBe("allow");
  });
});

describe("conditions mixing static and per-call parts", () => {
  const set = setOf({
    "a.yaml": `policies:\n${policy("allow", "allow", "true")}${policy("vip-local", "deny", 'principal.attributes.level > 3 && !context.local')}`,
  });
  const remote = { transport: "http" as const, address: "203.0.113.9" };

  test("both parts must hold, whatever was cached before", () => {
    const vip = principal({ attributes: { level: 5 } });
    expect(set.decide(input({ principal: vip })).policyId).toBe("allow");
    expect(set.decide(input({ principal: vip, source: remote })).policyId).toBe("vip-local");
    expect(set.decide(input({ principal: principal({ attributes: { level: 1 } }), source: remote })).policyId).toBe("allow");
  });

  test("a static part that cannot be evaluated does not exempt anyone: the whole condition decides per call", () => {
    const d = set.decide(input({ principal: principal({ attributes: {} }), source: remote }));
    expect(d).toMatchObject({ effect: "deny", policyId: "vip-local" });
    expect(d.reason).toContain("condition could not be evaluated");
  });
});

describe("shadow mode (a file with mode: shadow)", () => {
  const set = setOf({
    "a.yaml": `policies:\n${policy("allow-all", "allow", "true")}`,
    "b.yaml": `mode: shadow\npolicies:\n${policy("would-deny-high", "deny", 'resource.risk == "HIGH"')}`,
  });

  test("is recorded in decision.shadow and never enforced", () => {
    expect(set.decide(input({ target: tool({ risk: "HIGH" }) }))).toMatchObject({
      effect: "allow",
      policyId: "allow-all",
      shadow: { effect: "deny", policyId: "would-deny-high", reason: "would-deny-high says so" },
    });
    expect(set.decide(input()).shadow).toEqual({ effect: "allow", policyId: "allow-all", reason: "allow-all says so" });
  });
});

describe("the decision cache", () => {
  const set = setOf({ "a.yaml": `policies:\n${policy("roles", "allow", '"dev" in principal.roles && !("blocked" in resource.tags)')}` });

  test("a tool reloaded with other tags under the same name is decided afresh", () => {
    const p = principal({ roles: ["dev"] });
    expect(set.decide(input({ principal: p, target: tool({ tags: [] }) })).effect).toBe("allow");
    expect(set.decide(input({ principal: p, target: tool({ tags: ["blocked"] }) })).effect).toBe("deny");
  });

  test("is per principal object: another principal with the same id but other roles is decided afresh", () => {
    const target = tool();
    expect(set.decide(input({ principal: principal({ roles: ["dev"] }), target })).effect).toBe("allow");
    expect(set.decide(input({ principal: principal({ roles: [] }), target })).effect).toBe("deny");
  });

  test("stays bounded: a full per-principal cache is cleared and decisions stay right", () => {
    using p = policyDir({ "a.yaml": `policies:\n${policy("even", "allow", 'resource.name.endsWith("0")')}` });
    const small = loadPolicyDir(p.dir, 4);
    const who = principal();
    for (let i = 0; i < 50; i++) expect(small.decide(input({ principal: who, target: tool({ name: `t${i}` }) })).effect).toBe(i % 10 === 0 ? "allow" : "deny");
  });
});
