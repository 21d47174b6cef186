/**
 * Which code a run measured: the commit and, since others may be editing src/ while a benchmark runs, the
 * uncommitted files under src/ and plugins/ with a fingerprint of their contents (read-only git commands).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

function git(...args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return r.success ? r.stdout.toString().trim() : "";
}

export interface TreeState {
  commit: string;
  /** `git status --porcelain` lines for src/ and plugins/ (empty = those match the commit). */
  uncommitted: string[];
  /** sha256 over the paths and contents of those files, 12 hex digits; "clean" when there are none. */
  fingerprint: string;
}

export function treeState(): TreeState {
  const commit = git("rev-parse", "--short", "HEAD");
  if (!commit) return { commit: "(not a git checkout)", uncommitted: [], fingerprint: "n/a" };
  const uncommitted = git("status", "--porcelain", "--untracked-files=all", "--", "src", "plugins").split("\n").filter(Boolean);
  if (!uncommitted.length) return { commit, uncommitted, fingerprint: "clean" };
  const hash = createHash("sha256");
  for (const line of uncommitted) {
    const path = line.slice(3).split(" -> ").pop()!;
    const file = join(ROOT, path);
    hash.update(path + "\0");
    if (existsSync(file) && statSync(file).isFile()) hash.update(readFileSync(file));
    hash.update("\0");
  }
  return { commit, uncommitted, fingerprint: hash.digest("hex").slice(0, 12) };
}

export const describeTree = (t: TreeState) =>
  t.fingerprint === "n/a" ? `${t.commit} ${ROOT}` : t.uncommitted.length ? `${t.commit} + ${t.uncommitted.length} uncommitted files in src/, plugins/ (fingerprint ${t.fingerprint})` : `${t.commit}, src/ and plugins/ clean`;
