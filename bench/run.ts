/**
 * tools/call benchmark: the real gateway (echo plugin) against a plain Bun.serve answering the same JSON,
 * each in its own process, loaded from a third (wrk, or bench/fixed-rate.ts), all on 127.0.0.1.
 *
 *   npx bun bench/run.ts [--duration 10] [--connections 64] [--rate 5000,10000] [--rounds 2] [--warmup 3]
 *                        [--profile]   # afterwards, one more gateway run under `bun --cpu-prof` -> bench/out/
 *
 * 1. closed loop (saturation): wrk -t1, rounds interleaved baseline, gateway, baseline, gateway...;
 *    req/s, P50/P99 and CPU µs per request of the server process, ratio gateway/baseline per round.
 * 2. open loop (fixed rate): bench/fixed-rate.ts at each --rate, baseline then gateway, each after --warmup
 *    seconds at that rate that are checked but not timed.
 * Every response is checked (200, echoed text, no isError); a run with bad answers is flagged.
 * Prints a Markdown table; the raw figures go to bench/out/last-run.json.
 */
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { availableParallelism as nproc } from "node:os";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    rate: { type: "string", default: "5000,10000" },
    rounds: { type: "string", default: "2" },
    warmup: { type: "string", default: "3" },
    profile: { type: "boolean", default: false },
  },
});
const DIR = import.meta.dir;
const OUT = join(DIR, "out");
const BUN = process.execPath;
const TEXT = "The quick brown fox jumps over the lazy dog; the lazy dog sleeps on, unbothered by the quick fox. 0123";
const duration = Number(flags.duration);
const connections = Number(flags.connections);

// ---- child processes -------------------------------------------------------------------------------------
interface Server {
  name: string;
  url: string;
  proc: Bun.Subprocess<"pipe", "pipe", "inherit">;
}
const children = new Set<Bun.Subprocess>();
function cleanup(): void {
  for (const child of children) child.kill("SIGTERM");
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

/** Starts a server script and waits for the JSON line with its URL (stdin stays open: closing it stops the child). */
async function startServer(name: string, script: string, bunFlags: string[] = []): Promise<Server> {
  const proc = Bun.spawn([BUN, ...bunFlags, join(DIR, script)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  children.add(proc);
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = setTimeout(() => proc.kill(), 30_000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} exited before printing its URL`);
    text += new TextDecoder().decode(value);
  }
  clearTimeout(deadline);
  reader.releaseLock();
  return { name, url: JSON.parse(text.slice(0, text.indexOf("\n"))).url, proc };
}

async function stopServer(server: Server): Promise<void> {
  server.proc.kill("SIGTERM");
  await Promise.race([server.proc.exited, Bun.sleep(10_000)]);
  children.delete(server.proc);
}

/** CPU time (user + system) a process has used, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Busy CPU time of the whole machine (all cores, steal included), in µs, from /proc/stat. */
function machineBusyMicros(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 10_000;
}

/**
 * Measures what a load run costs: the server's CPU and the CPU of everything else on the machine that is
 * neither the server nor the load generator ("foreign": other jobs on this shared box), as % of all cores.
 */
async function measured<T>(server: Server, run: () => Promise<{ result: T; generatorMicros: number }>) {
  const cpu0 = cpuMicros(server.proc.pid), busy0 = machineBusyMicros(), t0 = performance.now();
  const { result, generatorMicros } = await run();
  const serverMicros = cpuMicros(server.proc.pid) - cpu0;
  const wallMicros = (performance.now() - t0) * 1000;
  const foreign = machineBusyMicros() - busy0 - serverMicros - generatorMicros;
  return { result, serverMicros, foreignPct: Math.max(0, Math.round((100 * foreign) / (wallMicros * nproc()))) };
}
const usage = (p: Bun.Subprocess) => {
  const u = p.resourceUsage();
  return u ? Number(u.cpuTime.user + u.cpuTime.system) : 0; // µs
};

// ---- MCP session -------------------------------------------------------------------------------------------
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

async function initialize(url: string): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
    }),
  });
  const session = res.headers.get("mcp-session-id");
  if (res.status !== 200 || !session) throw new Error(`initialize failed: ${res.status} ${await res.text()}`);
  const ack = await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  if (ack.status !== 202) throw new Error(`notifications/initialized got ${ack.status}`);
  return session;
}

/** One call by hand, so a misconfigured target fails loudly before any load is run. */
async function checkOneCall(server: Server, session: string): Promise<string> {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: TEXT } } }),
  });
  const body = await res.text();
  const parsed = JSON.parse(body);
  if (res.status !== 200 || parsed.result?.content?.[0]?.text !== TEXT || parsed.result?.isError) {
    throw new Error(`${server.name}: tools/call did not echo: ${res.status} ${body}`);
  }
  return body;
}

// ---- load runs ---------------------------------------------------------------------------------------------
interface WrkResult {
  requests: number;
  duration_us: number;
  ok: number;
  bad: number;
  socket_errors: number;
  timeouts: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}
type Closed = WrkResult & { target: string; round: number; rps: number; cpu_us_per_req: number; foreign_cpu_pct: number; command: string };

async function wrk(server: Server, session: string, seconds: number): Promise<WrkResult & { cpu: number; foreign_cpu_pct: number; command: string }> {
  const args = ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "2s", "-s", join(DIR, "tools-call.lua"), server.url, "--", session, TEXT];
  const { result: [out, err], serverMicros: cpu, foreignPct } = await measured(server, async () => {
    const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe", timeout: (seconds + 30) * 1000 });
    children.add(proc);
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    children.delete(proc);
    return { result: [out, err] as const, generatorMicros: usage(proc) };
  });
  const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no result:\n${out}\n${err}`);
  if (err.trim()) console.error(`[${server.name}] ${err.trim()}`);
  return { ...JSON.parse(line.slice(9)), cpu, foreign_cpu_pct: foreignPct, command: args.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ") };
}

async function closedLoop(server: Server, session: string, round: number): Promise<Closed> {
  const r = await wrk(server, session, duration);
  const rps = Math.round(r.requests / (r.duration_us / 1e6));
  return { ...r, target: server.name, round, rps, cpu_us_per_req: +(r.cpu / r.requests).toFixed(1) };
}

interface Fixed {
  target: string;
  rate: number;
  ok: number;
  bad: number;
  errors: number;
  unanswered: number;
  achieved_rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  service_p50_ms: number;
  service_p99_ms: number;
  send_late_p50_ms: number;
  send_late_p99_ms: number;
  cpu_us_per_req: number;
  foreign_cpu_pct: number;
  bad_samples: string[];
}

async function fixedRate(server: Server, session: string, rate: number): Promise<Fixed> {
  const args = [BUN, join(DIR, "fixed-rate.ts"), "--url", server.url, "--rate", String(rate), "--duration", String(duration),
    "--connections", String(connections), "--session", session, "--text", TEXT, "--warmup", flags.warmup!];
  const { result: out, serverMicros: cpu, foreignPct } = await measured(server, async () => {
    const proc = Bun.spawn(args, { stdout: "pipe", stderr: "inherit", timeout: (duration + Number(flags.warmup) + 30) * 1000 });
    children.add(proc);
    const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    children.delete(proc);
    return { result: out, generatorMicros: usage(proc) };
  });
  const line = out.split("\n").find((l) => l.startsWith("FIXED_JSON "));
  if (!line) throw new Error(`fixed-rate printed no result:\n${out}`);
  const r = JSON.parse(line.slice(11));
  return { ...r, target: server.name, foreign_cpu_pct: foreignPct, cpu_us_per_req: +(cpu / Math.max(1, r.ok + r.bad)).toFixed(1) };
}

// ---- main --------------------------------------------------------------------------------------------------
mkdirSync(OUT, { recursive: true });
const baseline = await startServer("baseline", "serve-baseline.ts");
const gateway = await startServer("gateway", "serve-gateway.ts");
const sessions = { baseline: "-", gateway: await initialize(gateway.url) };
const bodies = [await checkOneCall(baseline, sessions.baseline), await checkOneCall(gateway, sessions.gateway)];
if (bodies[0] !== bodies[1]) console.error(`note: bodies differ\n  baseline ${bodies[0]}\n  gateway  ${bodies[1]}`);

const bunVersion = Bun.version;
console.log(`# tools/call bench: ${nproc()} cores, bun ${bunVersion}, ${connections} connections, ${duration}s per run, text ${TEXT.length} B`);
for (const s of [baseline, gateway]) await wrk(s, sessions[s.name as keyof typeof sessions], Number(flags.warmup)); // JIT warm-up

const closed: Closed[] = [];
for (let round = 1; round <= Number(flags.rounds); round++) {
  for (const s of [baseline, gateway]) {
    const r = await closedLoop(s, sessions[s.name as keyof typeof sessions], round);
    closed.push(r);
    console.log(`  closed r${round} ${s.name.padEnd(8)} ${r.rps} req/s  p50 ${r.p50_us} µs  p99 ${r.p99_us} µs  ${r.cpu_us_per_req} µs CPU/req  foreign ${r.foreign_cpu_pct}%  bad ${r.bad + r.socket_errors + r.timeouts}`);
  }
}
const fixed: Fixed[] = [];
for (const rate of flags.rate!.split(",").map(Number).filter((n) => n > 0)) {
  for (const s of [baseline, gateway]) {
    const r = await fixedRate(s, sessions[s.name as keyof typeof sessions], rate);
    fixed.push(r);
    console.log(`  fixed ${rate}/s ${s.name.padEnd(8)} achieved ${r.achieved_rps}  p50 ${r.p50_ms} p99 ${r.p99_ms} p99.9 ${r.p999_ms} ms  foreign ${r.foreign_cpu_pct}%  bad ${r.bad + r.errors + r.unanswered}`);
  }
}

// ---- report ------------------------------------------------------------------------------------------------
const failed = (n: number) => (n ? ` **${n} BAD**` : "");
console.log("\n## Closed loop (wrk -t1, saturation)\n");
// Two ratios: of throughput (what the issue asks for; swings when other jobs load the shared machine during one
// run but not the next, see "foreign CPU") and of CPU per request (baseline/gateway: steadier, and close to the
// throughput ratio on a quiet machine, where each server saturates one core).
console.log("| round | target | req/s | P50 ms | P99 ms | server CPU µs/req | foreign CPU | bad answers | gateway/baseline req/s | CPU-cost ratio |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of closed) {
  const base = closed.find((b) => b.round === r.round && b.target === "baseline")!;
  const ratio = r.target === "gateway" ? `${((100 * r.rps) / base.rps).toFixed(1)} %` : "";
  const cpuRatio = r.target === "gateway" ? `${((100 * base.cpu_us_per_req) / r.cpu_us_per_req).toFixed(1)} %` : "";
  const badCount = r.bad + r.socket_errors + r.timeouts;
  console.log(`| ${r.round} | ${r.target} | ${r.rps} | ${(r.p50_us / 1000).toFixed(2)} | ${(r.p99_us / 1000).toFixed(2)} | ${r.cpu_us_per_req} | ${r.foreign_cpu_pct} % | ${badCount}${failed(badCount)} | ${ratio} | ${cpuRatio} |`);
}
console.log("\n## Fixed rate (bench/fixed-rate.ts, latency from the due time)\n");
console.log("| rate | target | achieved | P50 ms | P90 ms | P99 ms | P99.9 ms | service P50 / P99 ms | send late P50 / P99 ms | server CPU µs/req | foreign CPU | bad |");
console.log("|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|");
for (const r of fixed) {
  const badCount = r.bad + r.errors + r.unanswered;
  // Not sustained: the server fell behind the schedule, so latencies measure a growing backlog.
  const sustained = r.achieved_rps >= 0.97 * r.rate ? "" : " (not sustained)";
  console.log(`| ${r.rate} | ${r.target} | ${r.achieved_rps}${sustained} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.p999_ms} | ${r.service_p50_ms} / ${r.service_p99_ms} | ${r.send_late_p50_ms} / ${r.send_late_p99_ms} | ${r.cpu_us_per_req} | ${r.foreign_cpu_pct} % | ${badCount}${failed(badCount)} |`);
  for (const s of r.bad_samples) console.log(`  bad sample (${r.target}): ${s}`);
}
const wrkCommand = closed.find((r) => r.target === "gateway")?.command;
if (wrkCommand) console.log(`\nwrk command (gateway): ${wrkCommand}`);
writeFileSync(join(OUT, "last-run.json"), JSON.stringify({ nproc: nproc(), bun: bunVersion, flags, closed, fixed }, null, 2));

// ---- optional profile --------------------------------------------------------------------------------------
if (flags.profile) {
  await stopServer(baseline);
  const profiled = await startServer("gateway-profiled", "serve-gateway.ts", ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${OUT}`, "--cpu-prof-name=gateway"]);
  const session = await initialize(profiled.url);
  await wrk(profiled, session, Number(flags.warmup));
  const r = await wrk(profiled, session, duration);
  console.log(`\nprofiled gateway run: ${Math.round(r.requests / (r.duration_us / 1e6))} req/s; profile in ${OUT}/ (gateway.cpuprofile, gateway.md)`);
  await stopServer(profiled);
}

const anyBad = closed.some((r) => r.bad + r.socket_errors + r.timeouts > 0) || fixed.some((r) => r.bad + r.errors + r.unanswered > 0);
await Promise.all([baseline, gateway].map(stopServer));
process.exit(anyBad ? 1 : 0);
