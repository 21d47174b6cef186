/**
 * Policy decision cost: 10 pre-compiled CEL policies (the 8 shipped defaults + 2 typical extras, one
 * reading the call's arguments, one with a time window), decided for a tools/call.
 *
 *   npx bun bench/policy.bench.ts [--iterations 200000]
 *
 * Rows: the cached path (same principal object, as authentication's token cache hands out), the cache
 * miss (a new principal object every call: every static condition evaluated), the miss with a dynamic
 * argument condition, and visibility over a 100-tool tools/list. Reports mean and p50/p99 of batches.
 */
import { mkdtempSync, rmSync, cpSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { DecisionInput } from "../src/pipeline/policy/engine.ts";
import { loadPolicyDir } from "../src/pipeline/policy/loader.ts";
import type { Principal, Target } from "../src/pipeline/types.ts";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "200000" } } });
const N = Number(values.iterations);

const dir = mkdtempSync(join(tmpdir(), "policy-bench-"));
cpSync(join(import.meta.dir, "..", "policies"), dir, { recursive: true });
const shipped = loadPolicyDir(dir);
writeFileSync(
  join(dir, "90-extras.yaml"),
  `policies:
  - id: no-system-paths
    description: tools may not touch system paths
    effect: deny
    condition: 'has(context.arguments.path) && context.arguments.path.startsWith("/etc")'
  - id: contractors-office-hours
    description: contractors work in office hours only
    effect: deny
    condition: '"contractor" in principal.roles'
    hours: "18:00-08:00"
    timezone: Europe/Berlin
`,
);
const set = loadPolicyDir(dir);
rmSync(dir, { recursive: true, force: true });
if (set.size !== 10) throw new Error(`expected 10 policies, loaded ${set.size}`);

const principal = (): Principal => ({ id: "jwt:https://idp|alice", tenant: "acme", user: "alice", roles: ["dev"], method: "jwt", attributes: { email: "a@x" } });
const target: Target = { kind: "tool", name: "echo", plugin: "echo", risk: "LOW", tags: ["example", "tenant:acme"] };
const base: DecisionInput = { principal: principal(), method: "tools/call", target, args: { text: "hello", path: "/tmp/x" }, source: { transport: "http", address: "127.0.0.1" }, nowMs: Date.now() };

function measure(name: string, run: (i: number) => void) {
  const batch = 1000;
  for (let i = 0; i < N / 10; i++) run(i); // warm-up (JIT)
  const perBatch: number[] = [];
  const t0 = performance.now();
  for (let b = 0; b < N / batch; b++) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) run(b * batch + i);
    perBatch.push(((performance.now() - s) * 1000) / batch);
  }
  const mean = ((performance.now() - t0) * 1000) / N;
  perBatch.sort((a, b) => a - b);
  const pct = (p: number) => perBatch[Math.min(perBatch.length - 1, Math.floor(perBatch.length * p))]!.toFixed(2);
  console.log(`| ${name} | ${mean.toFixed(2)} | ${pct(0.5)} | ${pct(0.99)} |`);
}

const check = (effect: string) => {
  if (effect !== "allow") throw new Error(`unexpected decision ${effect}`);
};
console.log(`Bun ${Bun.version}, ${N} decisions per row, 10 policies\n`);
console.log("| path | mean µs | p50 µs (batches of 1000) | p99 µs |\n|---|---:|---:|---:|");
measure(`shipped defaults only (${shipped.size} policies), cached`, () => check(shipped.decide(base).effect));
measure("cached (same principal): 1 argument condition evaluated per call", () => check(set.decide(base).effect));
measure("cache miss (new principal each call): all 10 conditions", () => check(set.decide({ ...base, principal: principal() }).effect));
const tools: Target[] = Array.from({ length: 100 }, (_, i) => ({ ...target, name: `tool_${i}`, tags: i % 2 ? ["tenant:acme"] : ["tenant:other"] }));
let visible = 0;
measure("tools/list visibility, per listed tool (cached)", (i) => {
  if (set.decide({ ...base, target: tools[i % 100]!, args: undefined, listing: true }).effect !== "deny") visible++;
});
if (visible === 0) throw new Error("nothing visible");
