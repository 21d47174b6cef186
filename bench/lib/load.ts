/**
 * The two load runs against one server: closed loop (wrk -t1 + bench/tools-call.lua) and open loop
 * (bench/fixed-rate.ts). Both check every answer; both report the server's CPU per request.
 */
import { join } from "node:path";
import { BENCH_DIR, BUN, measured, runChild, type Server } from "./procs.ts";
import type { CallShape } from "./mcp.ts";

export interface LoadOptions {
  connections: number;
  shape: CallShape;
}

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
export type Closed = WrkResult & { target: string; round: number; rps: number; cpu_us_per_req: number; foreign_cpu_pct: number; command: string };

const quote = (a: string) => (/[\s;'"]/.test(a) ? `'${a}'` : a);

/** wrk -t1 for `seconds`; tools-call.lua's args: session, text, API key ("-" = none), repeat ("-" = none). */
export async function wrk(server: Server, session: string, seconds: number, o: LoadOptions): Promise<Omit<Closed, "round" | "rps" | "cpu_us_per_req"> & { cpu: number }> {
  const args = ["wrk", "-t1", `-c${o.connections}`, `-d${seconds}s`, "--timeout", "2s", "-s", join(BENCH_DIR, "tools-call.lua"), server.url,
    "--", session, o.shape.text, server.apiKey ?? "-", o.shape.repeat === undefined ? "-" : String(o.shape.repeat)];
  const { result, serverMicros: cpu, foreignPct } = await measured(server, async () => {
    const r = await runChild(args, (seconds + 30) * 1000);
    return { result: r, generatorMicros: r.cpuMicros };
  });
  const line = result.out.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no result:\n${result.out}\n${result.err}`);
  if (result.err.trim()) console.error(`[${server.name}] ${result.err.trim()}`);
  // The command as documented: the session id and key change on every run.
  const sessionAt = args.indexOf("--") + 1;
  const command = args.map((a, i) => (i === sessionAt && a !== "-" ? "SESSION_ID" : a === server.apiKey ? "API_KEY" : quote(a))).join(" ");
  return { ...JSON.parse(line.slice(9)), target: server.name, cpu, foreign_cpu_pct: foreignPct, command };
}

export async function closedLoop(server: Server, session: string, seconds: number, round: number, o: LoadOptions): Promise<Closed> {
  const r = await wrk(server, session, seconds, o);
  const rps = Math.round(r.requests / (r.duration_us / 1e6));
  return { ...r, round, rps, cpu_us_per_req: +(r.cpu / r.requests).toFixed(1) };
}

export interface Fixed {
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

export async function fixedRate(server: Server, session: string, rate: number, seconds: number, warmup: number, o: LoadOptions): Promise<Fixed> {
  const args = [BUN, join(BENCH_DIR, "fixed-rate.ts"), "--url", server.url, "--rate", String(rate), "--duration", String(seconds),
    "--connections", String(o.connections), "--session", session, "--text", o.shape.text, "--warmup", String(warmup),
    ...(server.apiKey ? ["--auth", server.apiKey] : []), ...(o.shape.repeat === undefined ? [] : ["--repeat", String(o.shape.repeat)])];
  const { result, serverMicros: cpu, foreignPct } = await measured(server, async () => {
    const r = await runChild(args, (seconds + warmup + 30) * 1000);
    return { result: r, generatorMicros: r.cpuMicros };
  });
  if (result.err.trim()) console.error(`[fixed-rate ${server.name}] ${result.err.trim()}`);
  const line = result.out.split("\n").find((l) => l.startsWith("FIXED_JSON "));
  if (!line) throw new Error(`fixed-rate printed no result:\n${result.out}\n${result.err}`);
  const r = JSON.parse(line.slice(11));
  return { ...r, target: server.name, foreign_cpu_pct: foreignPct, cpu_us_per_req: +(cpu / Math.max(1, r.ok + r.bad)).toFixed(1) };
}

export const closedBad = (r: Closed) => r.bad + r.socket_errors + r.timeouts;
/** Open loop: a wrong answer always counts; requests left unanswered (still queued, or in flight when the
 * generator gave up after its grace period) count only if the server kept up with the rate, since past
 * capacity they are the expected overload, reported as "not sustained". */
export const sustained = (r: Fixed) => r.achieved_rps >= 0.97 * r.rate;
export const fixedUnanswered = (r: Fixed) => r.errors + r.unanswered;
export const fixedBad = (r: Fixed) => r.bad + (sustained(r) ? fixedUnanswered(r) : 0);
