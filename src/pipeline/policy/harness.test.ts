/**
 * Runs every case in <policy dir>/tests/*.yaml against the policies in <policy dir> (default: the
 * repository's policies/, i.e. the shipped defaults; MCP_SIDECAR_POLICY__DIR points it elsewhere).
 * A failing case prints its file:line, the expected and the actual decision with its reason.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadCases, runCase } from "./harness.ts";
import { loadPolicyDir } from "./loader.ts";

const dir = process.env.MCP_SIDECAR_POLICY__DIR ?? join(import.meta.dir, "..", "..", "..", "policies");
const set = loadPolicyDir(dir);
const cases = loadCases(join(dir, "tests"));

describe(`policy harness (${dir})`, () => {
  test("has cases for the shipped defaults", () => {
    expect(cases.length).toBeGreaterThan(0);
    // Every policy is exercised by at least one case that expects it to decide.
    const decided = new Set(cases.map((c) => c.expect.policy));
    const untested = set.policies.filter((p) => !decided.has(p.id)).map((p) => `${p.id} (${p.file}:${p.line})`);
    expect(untested).toEqual([]);
  });

  for (const c of cases) {
    test(`${c.name}`, () => {
      const failure = runCase(set, c);
      if (failure) throw new Error(failure);
    });
  }
});
