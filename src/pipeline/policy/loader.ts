/**
 * Loads a folder of policy files into a compiled PolicySet, or fails with every error found, each naming
 * its file and line. Used at start (a failure stops the gateway) and on reload (a failure keeps the old
 * set). Only top-level *.yaml / *.yml files are policy sets; `tests/` beside them holds harness cases.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { compileCondition } from "./cel.ts";
import { PolicySet, type CompiledPolicy } from "./engine.ts";
import { EFFECTS, LineMap, PolicyLoadError, policyFileSchema, policySchema } from "./format.ts";
import { TimeWindow } from "./window.ts";

export class PolicyDirError extends Error {
  override name = "PolicyDirError";
  constructor(readonly errors: PolicyLoadError[]) {
    super(`policies not loaded (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors.map((e) => `  ${e.message}`).join("\n")}`);
  }
}

export function policyFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PolicyDirError([
      new PolicyLoadError(dir, undefined, "policy folder not found: create it with policy files (see policies/ in the repository) or set policy.enabled: false"),
    ]);
  }
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadPolicyDir(dir: string, cacheEntriesPerPrincipal?: number): PolicySet {
  const errors: PolicyLoadError[] = [];
  const policies: CompiledPolicy[] = [];
  const seen = new Map<string, string>();
  for (const file of policyFiles(dir)) {
    for (const p of loadPolicyFile(file, readFileSync(file, "utf8"), errors)) {
      const where = `${file}:${p.line}`;
      const earlier = seen.get(p.id);
      if (earlier) errors.push(new PolicyLoadError(file, p.line, `duplicate policy id "${p.id}" (also at ${earlier})`));
      else seen.set(p.id, where);
      policies.push(p);
    }
  }
  if (errors.length) throw new PolicyDirError(errors);
  return new PolicySet(policies, cacheEntriesPerPrincipal);
}

/** Parses, validates and compiles one file's policies; problems go to `errors`. */
export function loadPolicyFile(file: string, text: string, errors: PolicyLoadError[]): CompiledPolicy[] {
  let raw: unknown;
  try {
    raw = Bun.YAML.parse(text);
  } catch (err) {
    errors.push(new PolicyLoadError(file, LineMap.syntaxErrorLine(text), `not valid YAML (${(err as Error).message.replace(/^YAML Parse error: /, "")})`));
    return [];
  }
  const lines = new LineMap(text);
  const top = policyFileSchema.safeParse(raw ?? {});
  if (!top.success) {
    for (const issue of top.error.issues) {
      const key = typeof issue.path[0] === "string" ? issue.path[0] : undefined;
      const detail = issue.code === "unrecognized_keys" ? `unknown top-level key(s) ${issue.keys.join(", ")} (expected mode, policies)` : `${issue.path.join(".") || "file"}: ${issue.message}`;
      errors.push(new PolicyLoadError(file, lines.lineOf(key ?? issue.path[0]?.toString()) ?? 1, detail));
    }
    return [];
  }
  const shadow = top.data.mode === "shadow";
  const out: CompiledPolicy[] = [];
  top.data.policies.forEach((item, index) => {
    const parsed = policySchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.code === "unrecognized_keys" ? issue.keys[0] : typeof issue.path[0] === "string" ? issue.path[0] : undefined;
        const detail =
          issue.code === "unrecognized_keys"
            ? `policy #${index + 1}: unknown field(s) ${issue.keys.join(", ")}`
            : `policy ${idOf(item, index)}: ${issue.path.join(".") || "policy"}: ${issue.message}`;
        errors.push(new PolicyLoadError(file, lines.lineOf(field, index), detail));
      }
      return;
    }
    const spec = parsed.data;
    let compiled: ReturnType<typeof compileCondition>;
    try {
      compiled = compileCondition(spec.condition);
    } catch (err) {
      errors.push(new PolicyLoadError(file, lines.lineOf("condition", index), `policy ${spec.id}: condition: ${(err as Error).message}`));
      return;
    }
    out.push({
      id: spec.id,
      description: spec.description,
      effect: spec.effect,
      rank: EFFECTS.indexOf(spec.effect),
      priority: spec.priority,
      methods: spec.applies_to,
      window: spec.hours || spec.days || spec.timezone ? new TimeWindow(spec.hours, spec.days, spec.timezone) : undefined,
      dynamic: compiled.dynamic,
      test: compiled.test,
      guard: compiled.guard,
      shadow,
      approval: spec.effect === "require_approval" ? { approvers: spec.approval?.approvers ?? 1, grantMinutes: spec.approval?.grant_minutes } : undefined,
      file,
      line: lines.lineOf(undefined, index) ?? 1,
    });
  });
  return out;
}

function idOf(item: unknown, index: number): string {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === "string" ? `"${id}"` : `#${index + 1}`;
}
