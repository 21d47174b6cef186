/**
 * tools/call benchmark: the real gateway (echo plugin) against a plain Bun.serve answering the same JSON,
 * each target in its own process, loaded from another (wrk, or bench/fixed-rate.ts), all on 127.0.0.1.
 *
 *   npx bun bench/run.ts [--targets baseline,gateway] [--text-bytes N] [--repeat R]
 *                        [--duration 10] [--connections 64] [--rate 5000,10000] [--rounds 2] [--warmup 3]
 *                        [--profile]   # afterwards, each gateway target once more under `bun --cpu-prof` -> bench/out/
 *                        [--fresh]     # new server processes (+ warm-up) every round: samples process-to-process spread too
 *   A target written <target>@<dir> (e.g. bare@/tmp/before) runs that target from another checkout of the repo
 *   (its bench/ and src/), to A/B two code states in one run.
 *
 * Targets: baseline (bench/serve-baseline.ts: plain Bun.serve), and bench/serve-gateway.ts with
 *   gateway — the shipped default config;  bare — BENCH_CHAIN=bare, no stages;  full — BENCH_CHAIN=full,
 *   every stage (API-key auth, rate limit, policy, firewall, DLP, audit; requests carry its Bearer key);
 *   full-no-<stage>[-<stage>…] — full minus those stages (authn, ratelimit, policy, firewall, dlp, audit):
 *   with full in the same run, each stage's cost is full's CPU per request minus this one's (use --fresh
 *   and several rounds: a process's CPU per request drifts by ±15 %, about the size of one stage's cost).
 * The call: tools/call echo {"text": T, "repeat": R}. T is a fixed English sentence (102 B), or with
 * --text-bytes N that sentence repeated and cut to N bytes; "repeat" is sent only with --repeat, and the
 * answer is T repeated R times (the baseline does the same, so both answer with the same body).
 *
 * 1. closed loop (saturation): wrk -t1, each round runs every target in turn (baseline, bare, full, baseline,
 *    ...); req/s, P50/P99 and CPU µs per request of the server process. Ratios per round: each gateway
 *    target vs baseline, and full vs bare (issue #3's aim: ≥ 60 %), by throughput and by CPU per request.
 * 2. open loop (fixed rate): bench/fixed-rate.ts at each --rate, every target in turn, each after --warmup
 *    seconds at that rate that are checked but not timed.
 * Every response is checked (200, the expected text, no isError); a run with bad answers is flagged and
 * exits 1 (so do wrk socket errors/timeouts, and unanswered requests at a fixed rate the server sustained).
 * Prints Markdown tables; the raw figures go to bench/out/last-run.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { availableParallelism as nproc } from "node:os";
import { BENCH_DIR, startServer, stopServer, type Server } from "./lib/procs.ts";
import { checkOneCall, initialize, type CallShape } from "./lib/mcp.ts";
import { closedBad, closedLoop, fixedBad, fixedRate, fixedUnanswered, wrk, type Closed, type Fixed, type LoadOptions } from "./lib/load.ts";
import { ablationTable, closedTable, fixedTable, profileTable, ratioTable, ratios, type Profiled } from "./lib/report.ts";
import { readProfile } from "./lib/profile.ts";
import { describeTree, treeState } from "./lib/tree.ts";

const { values: flags } = parseArgs({
  options: {
    targets: { type: "string", default: "baseline,gateway" },
    "text-bytes": { type: "string" },
    repeat: { type: "string" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    rate: { type: "string", default: "5000,10000" },
    rounds: { type: "string", default: "2" },
    warmup: { type: "string", default: "3" },
    profile: { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
  },
});
const OUT = join(BENCH_DIR, "out");
const AIM = { pair: "full/bare", min: 0.6 }; // issue #3: the full chain at ≥ 60 % of bare tools/call throughput
const duration = Number(flags.duration);
const warmup = Number(flags.warmup);

/** Each target: the script it runs and its environment (BENCH_CHAIN, BENCH_WITHOUT; undefined = unset). */
function target(name: string): { script: string; env: Record<string, string | undefined> } {
  // <target>@<dir>: the same target served by another checkout of the repo (an A/B of two code states in one run).
  const at = name.indexOf("@");
  if (at > 0) {
    const t = target(name.slice(0, at));
    return { ...t, script: resolve(name.slice(at + 1), "bench", t.script) };
  }
  if (name === "baseline") return { script: "serve-baseline.ts", env: {} };
  const gateway = (chain?: string, without?: string) => ({ script: "serve-gateway.ts", env: { BENCH_CHAIN: chain, BENCH_WITHOUT: without } });
  if (name === "gateway" || name === "bare" || name === "full") return gateway(name === "gateway" ? undefined : name);
  const m = /^full-no-((?:authn|ratelimit|policy|firewall|dlp|audit)(?:-(?:authn|ratelimit|policy|firewall|dlp|audit))*)$/.exec(name);
  if (m) return gateway("full", m[1]!.replaceAll("-", ","));
  throw new Error(`unknown target "${name}" (known: baseline, gateway, bare, full, full-no-<stage>[-<stage>…])`);
}
const targets = flags.targets!.split(",").map((t) => t.trim()).filter(Boolean);
targets.forEach(target);
if (new Set(targets).size !== targets.length || !targets.length) throw new Error("--targets: list each target once");

const SENTENCE = "The quick brown fox jumps over the lazy dog; the lazy dog sleeps on, unbothered by the quick fox. 0123";
const textBytes = flags["text-bytes"] === undefined ? SENTENCE.length : Number(flags["text-bytes"]);
if (!(textBytes >= 1)) throw new Error("--text-bytes must be ≥ 1");
const shape: CallShape = {
  text: SENTENCE.repeat(Math.ceil(textBytes / SENTENCE.length)).slice(0, textBytes),
  repeat: flags.repeat === undefined ? undefined : Number(flags.repeat),
};
if (shape.repeat !== undefined && !(Number.isInteger(shape.repeat) && shape.repeat >= 1 && shape.repeat <= 64)) throw new Error("--repeat must be 1..64");
const load: LoadOptions = { connections: Number(flags.connections), shape };

// ---- start, open sessions, check one call each -----------------------------------------------------------
mkdirSync(OUT, { recursive: true });
const tree = treeState();
const start = (name: string, bunFlags: string[] = []) => startServer(name, target(name).script, target(name).env, bunFlags);
const sessionFor = (s: Server) => (s.name === "baseline" ? Promise.resolve("-") : initialize(s));
let servers: Server[] = [];
const sessions = new Map<Server, string>();
const bodies = new Map<string, string>();
/** Starts every target, opens its session, checks one call, and (if asked) warms it up with wrk. */
async function launchAll(warm: boolean): Promise<void> {
  servers = [];
  for (const t of targets) servers.push(await start(t));
  for (const s of servers) sessions.set(s, await sessionFor(s));
  for (const s of servers) bodies.set(s.name, await checkOneCall(s, sessions.get(s)!, shape));
  if (warm) for (const s of servers) await wrk(s, sessions.get(s)!, warmup, load); // JIT warm-up
}
await launchAll(false);
const bodiesDiffer = new Set(bodies.values()).size > 1;
if (bodiesDiffer) console.error(`note: bodies differ\n${[...bodies].map(([k, v]) => `  ${k.padEnd(8)} ${v.slice(0, 300)}`).join("\n")}`);

const resultBytes = shape.text.length * (shape.repeat ?? 1);
console.log(`# tools/call bench: ${nproc()} cores, bun ${Bun.version}, ${load.connections} connections, ${duration}s per run, ` +
  `text ${shape.text.length} B, repeat ${shape.repeat ?? "-"} (result text ${resultBytes} B, body ${bodies.values().next().value!.length} B)`);
console.log(`# code: ${describeTree(tree)}; targets ${targets.join(", ")}${flags.fresh ? "; fresh processes every round" : ""}`);
for (const s of servers) await wrk(s, sessions.get(s)!, warmup, load); // JIT warm-up

// ---- closed loop, then fixed rate, every target in turn ------------------------------------------------------
const closed: Closed[] = [];
for (let round = 1; round <= Number(flags.rounds); round++) {
  if (flags.fresh && round > 1) {
    await Promise.all(servers.map(stopServer));
    await launchAll(true);
  }
  for (const s of servers) {
    const r = await closedLoop(s, sessions.get(s)!, duration, round, load);
    closed.push(r);
    console.log(`  closed r${round} ${s.name.padEnd(8)} ${r.rps} req/s  p50 ${r.p50_us} µs  p99 ${r.p99_us} µs  ${r.cpu_us_per_req} µs CPU/req  foreign ${r.foreign_cpu_pct}%  bad ${closedBad(r)}`);
  }
}
const fixed: Fixed[] = [];
for (const rate of flags.rate!.split(",").map(Number).filter((n) => n > 0)) {
  for (const s of servers) {
    const r = await fixedRate(s, sessions.get(s)!, rate, duration, warmup, load);
    fixed.push(r);
    console.log(`  fixed ${rate}/s ${s.name.padEnd(8)} achieved ${r.achieved_rps}  p50 ${r.p50_ms} p99 ${r.p99_ms} p99.9 ${r.p999_ms} ms  foreign ${r.foreign_cpu_pct}%  wrong ${r.bad}  unanswered ${fixedUnanswered(r)}`);
  }
}
await Promise.all(servers.map(stopServer));

// ---- report ------------------------------------------------------------------------------------------------
closedTable(closed);
const ratioRows = ratios(closed, targets);
ratioTable(ratioRows, AIM);
ablationTable(closed);
fixedTable(fixed);
console.log("\nwrk commands (SESSION_ID and API_KEY change on every run):");
for (const t of targets) console.log(`  ${t}: ${closed.find((r) => r.target === t)?.command}`);

// ---- optional profile: each gateway target once more, under bun --cpu-prof, one at a time --------------------
const profiled: Profiled[] = [];
if (flags.profile) {
  for (const t of targets.filter((t) => t !== "baseline")) {
    const file = t.replace(/[^\w-]+/g, "_"); // a <target>@<dir> name holds slashes
    const s = await start(t, ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${OUT}`, `--cpu-prof-name=${file}`]);
    const session = await sessionFor(s);
    await checkOneCall(s, session, shape);
    await wrk(s, session, warmup, load);
    const r = await closedLoop(s, session, duration, 0, load);
    await stopServer(s); // the profile is written on exit
    if (closedBad(r)) console.log(`profiled ${t} run: **${closedBad(r)} BAD answers**`);
    profiled.push({ target: t, rps: r.rps, cpu_us_per_req: r.cpu_us_per_req, summary: await readProfile(join(OUT, `${file}.cpuprofile`)) });
  }
  profileTable(profiled);
  console.log(`\nprofiles: ${OUT}/<target>.cpuprofile (+ .md); top functions: npx bun bench/profile-top.ts ${OUT}/full.cpuprofile`);
}

const treeAfter = treeState();
if (treeAfter.fingerprint !== tree.fingerprint || treeAfter.commit !== tree.commit) {
  console.log(`\n**WARNING: the code changed during the run** (${describeTree(tree)} → ${describeTree(treeAfter)}); servers started later (profiles) ran the new code`);
}
const anyBad = closed.some((r) => closedBad(r) > 0) || fixed.some((r) => fixedBad(r) > 0);
if (anyBad) console.log("\n**THIS RUN HAD BAD ANSWERS: its figures are not valid.**");
writeFileSync(join(OUT, "last-run.json"), JSON.stringify({ nproc: nproc(), bun: Bun.version, flags, tree, treeAfter, shape, bodies: Object.fromEntries(bodies), bodiesDiffer,
  closed, ratios: ratioRows, fixed, profiled: profiled.map((p) => ({ ...p, summary: { ...p.summary, self: p.summary.self.slice(0, 40), inclusive: p.summary.inclusive.slice(0, 40) } })) }, null, 2));
process.exit(anyBad ? 1 : 0);
