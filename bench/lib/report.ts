/**
 * The Markdown tables bench/run.ts prints: closed loop per round, the ratios (each gateway target vs the
 * baseline, and full vs bare: issue #3's aim), fixed rate, and a profile's cost per src/ area.
 */
import { closedBad, fixedBad, fixedUnanswered, sustained, type Closed, type Fixed } from "./load.ts";
import type { ProfileSummary } from "./profile.ts";

const flag = (n: number) => (n ? ` **${n} BAD**` : "");
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function closedTable(closed: Closed[]): void {
  console.log("\n## Closed loop (wrk -t1, saturation)\n");
  console.log("| round | target | req/s | P50 ms | P99 ms | server CPU µs/req | foreign CPU | bad answers |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of closed) {
    const bad = closedBad(r);
    console.log(`| ${r.round} | ${r.target} | ${r.rps} | ${(r.p50_us / 1000).toFixed(2)} | ${(r.p99_us / 1000).toFixed(2)} | ${r.cpu_us_per_req} | ${r.foreign_cpu_pct} % | ${bad}${flag(bad)} |`);
  }
}

/** [target, reference] pairs: every gateway target against the baseline, and full against bare. */
export function ratioPairs(targets: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  if (targets.includes("baseline")) for (const t of targets) if (t !== "baseline") pairs.push([t, "baseline"]);
  if (targets.includes("full") && targets.includes("bare")) pairs.push(["full", "bare"]);
  return pairs;
}

export interface Ratio {
  pair: string;
  rounds: { round: number; rps: number; cpu: number }[];
  median_rps: number;
  median_cpu: number;
}

/**
 * Two ratios per pair and round (back-to-back runs): of throughput (target req/s ÷ reference req/s), and of
 * CPU cost (reference CPU µs/req ÷ target CPU µs/req). The second is steadier when other jobs load the
 * shared machine during one run but not the next (see "foreign CPU"); on a quiet machine they agree.
 */
export function ratios(closed: Closed[], targets: string[]): Ratio[] {
  return ratioPairs(targets).map(([t, ref]) => {
    const rounds = [...new Set(closed.map((r) => r.round))].map((round) => {
      const a = closed.find((r) => r.round === round && r.target === t)!;
      const b = closed.find((r) => r.round === round && r.target === ref)!;
      return { round, rps: a.rps / b.rps, cpu: b.cpu_us_per_req / a.cpu_us_per_req };
    });
    return { pair: `${t}/${ref}`, rounds, median_rps: median(rounds.map((r) => r.rps)), median_cpu: median(rounds.map((r) => r.cpu)) };
  });
}

export function ratioTable(rs: Ratio[], aim?: { pair: string; min: number }): void {
  if (!rs.length) return;
  console.log("\n## Ratios (per round, back-to-back runs; median)\n");
  console.log("| pair | " + rs[0]!.rounds.map((r) => `round ${r.round} req/s · CPU-cost`).join(" | ") + " | **median req/s** | **median CPU-cost** |");
  console.log("|---|" + rs[0]!.rounds.map(() => "---:|").join("") + "---:|---:|");
  for (const r of rs) {
    console.log(`| ${r.pair} | ${r.rounds.map((x) => `${pct(x.rps)} · ${pct(x.cpu)}`).join(" | ")} | **${pct(r.median_rps)}** | **${pct(r.median_cpu)}** |`);
  }
  const a = aim && rs.find((r) => r.pair === aim.pair);
  if (a) {
    const verdict = (x: number) => (x >= aim!.min ? "meets" : "BELOW");
    console.log(`\n${a.pair}: ${pct(a.median_rps)} of throughput (${verdict(a.median_rps)} the ${pct(aim!.min)} aim), ${pct(a.median_cpu)} by CPU cost (${verdict(a.median_cpu)} it)`);
  }
}

/** Each full-no-<stages> target against full in the same round: what those stages cost (median of rounds). */
export function ablationTable(closed: Closed[]): void {
  const names = [...new Set(closed.map((r) => r.target))].filter((t) => t.startsWith("full-no-"));
  if (!names.length || !closed.some((r) => r.target === "full")) return;
  console.log("\n## Stage costs by ablation (full minus full-no-<stage>, same round; median of rounds)\n");
  console.log("| stages left out | CPU µs/req saved | full req/s ÷ this req/s |");
  console.log("|---|---:|---:|");
  for (const t of names) {
    const pairs = closed.filter((r) => r.target === t).map((r) => [closed.find((f) => f.target === "full" && f.round === r.round)!, r] as const);
    const saved = median(pairs.map(([f, r]) => f.cpu_us_per_req - r.cpu_us_per_req));
    console.log(`| ${t.slice("full-no-".length).replaceAll("-", " + ")} | ${saved.toFixed(1)} | ${pct(median(pairs.map(([f, r]) => f.rps / r.rps)))} |`);
  }
}

export function fixedTable(fixed: Fixed[]): void {
  if (!fixed.length) return;
  console.log("\n## Fixed rate (bench/fixed-rate.ts, latency from the due time)\n");
  console.log("| rate | target | achieved | P50 ms | P90 ms | P99 ms | P99.9 ms | service P50 / P99 ms | send late P50 / P99 ms | server CPU µs/req | foreign CPU | wrong answers | unanswered |");
  console.log("|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|");
  for (const r of fixed) {
    // Not sustained: the server fell behind the schedule, so latencies measure a growing backlog, and what
    // is still queued when the generator gives up is "unanswered" (overload, not a failure of the run).
    const kept = sustained(r) ? "" : " (not sustained)";
    const unanswered = fixedUnanswered(r);
    const note = unanswered ? (sustained(r) ? flag(unanswered) : " (overload)") : "";
    console.log(`| ${r.rate} | ${r.target} | ${r.achieved_rps}${kept} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.p999_ms} | ${r.service_p50_ms} / ${r.service_p99_ms} | ${r.send_late_p50_ms} / ${r.send_late_p99_ms} | ${r.cpu_us_per_req} | ${r.foreign_cpu_pct} % | ${r.bad}${flag(r.bad)} | ${unanswered}${note} |`);
    for (const s of r.bad_samples) console.log(`  bad sample (${r.target}): ${s}`);
  }
}

export interface Profiled {
  target: string;
  rps: number;
  cpu_us_per_req: number;
  summary: ProfileSummary;
}

/**
 * Busy samples per src/ area, as µs per request (share × the profiled run's CPU per request): charged to the
 * innermost src/ frame ("self": the areas add up to the whole), and with the area anywhere on the stack
 * ("on stack": what a stage costs with everything it calls). With two profiles, the second minus the first.
 */
export function profileTable(ps: Profiled[]): void {
  if (!ps.length) return;
  const us = (p: Profiled, a: string, rows = p.summary.areas) => ((rows.find(([k]) => k === a)?.[1] ?? 0) / p.summary.busy) * p.cpu_us_per_req;
  const onStack = (p: Profiled, a: string) => us(p, a, p.summary.areasOnStack);
  const last = ps[ps.length - 1]!;
  const areas = [...new Set(ps.flatMap((p) => p.summary.areas.map(([k]) => k)))].sort((a, b) => us(last, b) - us(last, a));
  const two = ps.length === 2;
  console.log(`\n## CPU by src/ area (bun --cpu-prof under wrk, µs per request)\n`);
  console.log(`profiled runs: ${ps.map((p) => `${p.target} ${p.rps} req/s, ${p.cpu_us_per_req} µs CPU/req, ${p.summary.busy} busy samples`).join("; ")}\n`);
  console.log(`| area | ${ps.map((p) => `${p.target} self`).join(" | ")}${two ? ` | ${ps[1]!.target} − ${ps[0]!.target} self` : ""} | ${last.target} on stack |`);
  console.log(`|---|${ps.map(() => "---:|").join("")}${two ? "---:|" : ""}---:|`);
  for (const a of areas) {
    const cells = ps.map((p) => us(p, a).toFixed(1));
    const d = two ? ` | ${(us(ps[1]!, a) - us(ps[0]!, a)).toFixed(1)}` : "";
    console.log(`| ${a} | ${cells.join(" | ")}${d} | ${a.startsWith("(") ? "" : onStack(last, a).toFixed(1)} |`);
  }
  console.log(`| **total** | ${ps.map((p) => `**${p.cpu_us_per_req}**`).join(" | ")}${two ? ` | **${(ps[1]!.cpu_us_per_req - ps[0]!.cpu_us_per_req).toFixed(1)}**` : ""} | |`);
}
