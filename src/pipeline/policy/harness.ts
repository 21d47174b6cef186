/**
 * The policy test harness: example requests in `<policy dir>/tests/*.yaml`, each with the decision the
 * policies must reach. Run by ./harness.test.ts (`bun test src/pipeline/policy/harness.test.ts`); a
 * security team changes a policy, adds a case, and sees exactly which expectations broke and why.
 *
 *   cases:
 *     - name: a tenant-A user cannot call tenant B's tool
 *       principal: { id: "key:ak_1", tenant: a, method: api_key, roles: [dev] }   # default: anonymous
 *       method: tools/call                                                       # default
 *       tool: { name: billing, risk: LOW, tags: ["tenant:b"] }    # or prompt: / resource: with the same fields
 *       args: { amount: 5 }
 *       source: { transport: http, address: 203.0.113.9 }         # default: http from 127.0.0.1
 *       time: "2025-01-06T10:00:00Z"                              # default: Monday 2025-01-06 10:00 UTC
 *       listing: false                                            # true: decide tools/list visibility
 *       expect: { effect: deny, policy: tenant-isolation }        # optional shadow: { effect, policy }
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { CallSource, Principal, Target } from "../types.ts";
import type { PolicySet } from "./engine.ts";
import { EFFECTS, LineMap, PolicyLoadError } from "./format.ts";

const targetFields = z.object({
  name: z.string(),
  risk: z.enum(["LOW", "MEDIUM", "HIGH", "CRITICAL"]).default("LOW"),
  tags: z.array(z.string()).default([]),
  plugin: z.string().optional(),
});
const expectation = z.object({ effect: z.enum(EFFECTS), policy: z.string() }).strict();

export const caseSchema = z
  .object({
    name: z.string().min(1),
    principal: z
      .object({
        id: z.string().default("anonymous"),
        tenant: z.string().default("default"),
        method: z.enum(["api_key", "jwt", "mesh", "anonymous"]).default("anonymous"),
        user: z.string().optional(),
        agent: z.string().optional(),
        roles: z.array(z.string()).default([]),
        attributes: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .prefault({}),
    method: z.string().default("tools/call"),
    tool: targetFields.optional(),
    prompt: targetFields.optional(),
    resource: targetFields.optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    source: z.object({ transport: z.enum(["http", "websocket", "stdio"]).default("http"), address: z.string().optional() }).prefault({}),
    time: z.iso.datetime({ offset: true }).default("2025-01-06T10:00:00Z"),
    listing: z.boolean().default(false),
    expect: expectation.extend({ shadow: expectation.optional() }).strict(),
  })
  .strict()
  .refine((c) => [c.tool, c.prompt, c.resource].filter(Boolean).length === 1, "give exactly one of tool, prompt, resource");
export type PolicyCase = z.infer<typeof caseSchema> & { file: string; line: number };

/** Reads every case file; malformed cases are errors with file and line, like policy files. */
export function loadCases(testsDir: string): PolicyCase[] {
  if (!existsSync(testsDir)) return [];
  const cases: PolicyCase[] = [];
  const errors: string[] = [];
  for (const name of readdirSync(testsDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = join(testsDir, name);
    const text = readFileSync(file, "utf8");
    const lines = new CaseLines(text);
    let raw: { cases?: unknown[] };
    try {
      raw = (Bun.YAML.parse(text) ?? {}) as { cases?: unknown[] };
    } catch (err) {
      errors.push(new PolicyLoadError(file, LineMap.syntaxErrorLine(text), (err as Error).message).message);
      continue;
    }
    (raw.cases ?? []).forEach((item, i) => {
      const parsed = caseSchema.safeParse(item);
      if (parsed.success) cases.push({ ...parsed.data, file, line: lines.itemStarts[i] ?? 1 });
      else errors.push(`${file}:${lines.itemStarts[i] ?? 1}: case #${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
    });
  }
  if (errors.length) throw new Error(`policy test cases not loaded:\n  ${errors.join("\n  ")}`);
  return cases;
}

/** Case files list their items under `cases:`, policy files under `policies:`; same line finding. */
class CaseLines extends LineMap {
  constructor(text: string) {
    super(text.replace(/^cases(\s*:)/m, "policies$1"));
  }
}

/** Runs one case; returns null when the decision is the expected one, else what differed. */
export function runCase(set: PolicySet, c: PolicyCase): string | null {
  const kind = c.tool ? "tool" : c.prompt ? "prompt" : "resource";
  const t = (c.tool ?? c.prompt ?? c.resource)!;
  const target: Target = { kind, name: t.name, plugin: t.plugin ?? t.name, risk: t.risk, tags: t.tags };
  const principal: Principal = { ...c.principal };
  const source: CallSource = { transport: c.source.transport, address: c.source.address ?? (c.source.transport === "stdio" ? undefined : "127.0.0.1") };
  // With `listing`, `method` is the call the listed item would be used with (tools/call for tools/list).
  const d = set.decide({ principal, method: c.method, target, args: c.args, source, nowMs: Date.parse(c.time), listing: c.listing });
  const problems: string[] = [];
  if (d.effect !== c.expect.effect || d.policyId !== c.expect.policy) {
    problems.push(`expected ${c.expect.effect} by ${c.expect.policy}, got ${d.effect} by ${d.policyId} ("${d.reason}")`);
  }
  if (c.expect.shadow && (d.shadow?.effect !== c.expect.shadow.effect || d.shadow?.policyId !== c.expect.shadow.policy)) {
    problems.push(`expected shadow ${c.expect.shadow.effect} by ${c.expect.shadow.policy}, got ${d.shadow ? `${d.shadow.effect} by ${d.shadow.policyId}` : "no shadow decision"}`);
  }
  return problems.length ? `${c.file}:${c.line} "${c.name}": ${problems.join("; ")}` : null;
}
