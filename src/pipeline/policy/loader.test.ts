import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadPolicyDir, PolicyDirError } from "./loader.ts";
import { policyDir } from "./test-helpers.ts";

/** The load error's message for a folder holding just `text` as a.yaml. */
function loadError(text: string): string {
  using p = policyDir({ "a.yaml": text });
  try {
    loadPolicyDir(p.dir);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyDirError);
    return (err as Error).message.replaceAll(p.dir, "<dir>");
  }
  throw new Error("expected the folder not to load");
}

const ok = `policies:
  - id: low
    description: LOW is fine
    effect: allow
    condition: resource.risk == "LOW"
`;

describe("policy files: validated on load, errors name file and line", () => {
  test("a valid file loads, *.yml too, and non-YAML files and tests/ are ignored", () => {
    using p = policyDir({ "a.yaml": ok, "b.yml": ok.replace("id: low", "id: low2"), "README.md": "not policies" });
    expect(loadPolicyDir(p.dir).policies.map((x) => x.id)).toEqual(["low", "low2"]);
  });

  test("a typo in a field the condition reads is refused, at the condition's line", () => {
    const msg = loadError(`# comment\npolicies:\n  - id: admins\n    description: admins only\n    effect: allow\n    condition: '"admin" in principal.rolez'\n`);
    expect(msg).toContain(`${join("<dir>", "a.yaml")}:6: policy admins: condition: No such key: rolez`);
  });

  test("a type error in a condition is refused", () => {
    const msg = loadError(ok.replace('resource.risk == "LOW"', "principal.tenant == 3"));
    expect(msg).toContain("a.yaml:5: policy low: condition: no such overload: string == int");
  });

  test("a condition that is not true/false is refused", () => {
    expect(loadError(ok.replace('resource.risk == "LOW"', "principal.tenant"))).toContain("a condition must be true or false, this one is a string");
  });

  test("an unknown effect, names the allowed ones and the line", () => {
    const msg = loadError(ok + `  - id: second\n    description: x\n    effect: permit\n    condition: "true"\n`);
    expect(msg).toContain("a.yaml:8: policy \"second\": effect:");
    expect(msg).toMatch(/deny.*require_approval.*allow/);
  });

  test("an unknown field is refused at its line (a misspelt applies_to must not silently widen a policy)", () => {
    const msg = loadError(ok + `    apply_to: [tools/call]\n`);
    expect(msg).toContain("a.yaml:6: policy #1: unknown field(s) apply_to");
  });

  test("a missing description is refused: it is the reason decisions report", () => {
    expect(loadError(ok.replace("    description: LOW is fine\n", ""))).toContain("a.yaml:2: policy \"low\": description:");
  });

  test("bad hours and unknown time zones are refused", () => {
    expect(loadError(ok + `    hours: "9-17"\n`)).toContain('a.yaml:6: policy "low": hours: write hours as "09:00-17:00"');
    expect(loadError(ok + `    timezone: Mars/Olympus\n`)).toContain("a.yaml:6: policy \"low\": timezone: unknown IANA time zone");
  });

  test("approval settings on a non-approval policy are refused", () => {
    expect(loadError(ok + `    approval: { approvers: 2 }\n`)).toContain("`approval` only makes sense with effect: require_approval");
  });

  test("YAML syntax errors name the line", () => {
    const msg = loadError(`policies:\n  - id: low\n    description: x\n    effect: allow\n    condition: "resource.risk == \n`);
    expect(msg).toMatch(/a\.yaml:5: not valid YAML/);
  });

  test("a duplicate id across files names both places", () => {
    using p = policyDir({ "a.yaml": ok, "b.yaml": `# b\n${ok}` });
    expect(() => loadPolicyDir(p.dir)).toThrow(/b\.yaml:3: duplicate policy id "low" \(also at .*a\.yaml:2\)/);
  });

  test("every error of every file is reported at once", () => {
    using p = policyDir({ "a.yaml": ok.replace("allow", "permit"), "b.yaml": "policies: [", "c.yaml": "mode: dry-run\n" });
    const msg = (() => {
      try {
        loadPolicyDir(p.dir);
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(msg).toContain("3 errors");
    expect(msg).toContain("a.yaml:4");
    expect(msg).toContain("b.yaml:1: not valid YAML");
    expect(msg).toContain("c.yaml:1: mode:");
  });

  test("a missing folder says what to do", () => {
    expect(() => loadPolicyDir("/nonexistent/policies")).toThrow("policy folder not found: create it with policy files (see policies/ in the repository) or set policy.enabled: false");
  });
});
