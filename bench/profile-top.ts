/**
 * Summarises a .cpuprofile (from `bun --cpu-prof`) by SAMPLE COUNT: top functions by self and by inclusive
 * samples, and the busy samples by src/ area (hot-path stage, sandbox, transport, …; see bench/lib/profile.ts).
 *   bun bench/profile-top.ts bench/out/full.cpuprofile [top=25] [cpu-µs-per-request]
 * With the CPU µs per request of the profiled run, each area is also shown in µs per request.
 */
import { readProfile } from "./lib/profile.ts";

const [file, topArg, cpuArg] = process.argv.slice(2);
if (!file) throw new Error("usage: bun bench/profile-top.ts FILE.cpuprofile [top] [cpu-µs-per-request]");
const s = await readProfile(file);
const topN = Number(topArg ?? 25);
const pct = (v: number, of: number) => ((100 * v) / of).toFixed(1).padStart(5);
const show = (title: string, rows: [string, number][], of: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of rows.slice(0, topN)) console.log(`${pct(v, of)}%  ${k}`);
};
show(`self (${s.samples} samples)`, s.self, s.samples);
show(`inclusive (${s.samples} samples)`, s.inclusive, s.samples);
console.log(`\nby src/ area (${s.busy} busy samples)`);
for (const [k, v] of s.areas) {
  const us = cpuArg ? `  ${((Number(cpuArg) * v) / s.busy).toFixed(1).padStart(6)} µs/req` : "";
  console.log(`${pct(v, s.busy)}%${us}  ${k}`);
}
