/**
 * What output DLP costs per result: the DLP stage's onResponse on a tools/call result of 1 KB and 16 KB,
 * clean (log-like text with numbers, dates, versions, UUIDs, hashes: what most results look like) and
 * with findings (a card, an email, an AWS key, a phone number). Also the bare text scan, the stream
 * redactor per 1 KB chunk, and each detector alone over the 16 KB clean text (to see who costs what).
 *
 * Run: npx bun bench/dlp.bench.ts
 */
import { Session } from "../src/session/session.ts";
import { ANONYMOUS } from "../src/pipeline/chain.ts";
import { Call } from "../src/pipeline/types.ts";
import { dlpConfigSchema } from "../src/pipeline/dlp/config.ts";
import { DETECTORS, DETECTOR_NAMES } from "../src/pipeline/dlp/detectors.ts";
import { buildPlan, findMatches, Rewriter } from "../src/pipeline/dlp/engine.ts";
import { createDlpStage } from "../src/pipeline/dlp/index.ts";
import { createStreamRedactor } from "../src/pipeline/dlp/stream.ts";

const LINES = [
  "2024-06-01T12:00:00.000Z INFO worker-3 processed job 8812731 in 41 ms (queue depth 17)",
  'GET /api/v2/orders/550e8400-e29b-41d4-a716-446655440000 200 1532 bytes "Mozilla/5.0 (X11; Linux x86_64)"',
  "commit 9c7a80268422c922202b243f8e5389cd5e3eaa60 Merge pull request #5678 from org/feature-branch",
  '{"status":"ok","count":17,"items":[1,2,3],"version":"1.2.3","updated":"2024-06-01","price":1234.56}',
  "The quick brown fox jumps over the lazy dog while the build 20240115.3 runs on node v20.11.1.",
];
const SECRETS = "card 4111 1111 1111 1111, mail alice@example.com, key AKIARSXTYD77XBDHY4TJ, call +1 415 555 2671. ";

function textOf(bytes: number, withFindings: boolean): string {
  let s = withFindings ? SECRETS : "";
  for (let i = 0; s.length < bytes; i++) s += `${LINES[i % LINES.length]}\n`;
  return s.slice(0, bytes);
}

function measure(name: string, iterations: number, f: () => unknown): void {
  for (let i = 0; i < Math.min(iterations, 2000); i++) f(); // warm up (JIT, regex compilation)
  const samples: number[] = [];
  const batch = 20;
  for (let i = 0; i < iterations / batch; i++) {
    const t = performance.now();
    for (let j = 0; j < batch; j++) f();
    samples.push(((performance.now() - t) * 1000) / batch);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]!.toFixed(2);
  console.log(`${name.padEnd(58)} p50 ${q(0.5).padStart(8)} µs   p99 ${q(0.99).padStart(8)} µs`);
}

const config = dlpConfigSchema.parse({});
const dlp = createDlpStage({ config: { dlp: config } });
const session = new Session("bench", "2025-11-25", undefined, {});
const request = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "t" } };

function stageRun(result: unknown): () => unknown {
  return () => {
    const call = new Call(request, session, ANONYMOUS, { transport: "http" });
    call.target = { kind: "tool", name: "t", risk: "LOW", tags: [] };
    call.result = result;
    return dlp.stage!.onResponse!(call);
  };
}

console.log(`Bun ${Bun.version}, ${DETECTOR_NAMES.length} detectors (${Object.values(DETECTORS).flat().length} regex passes), all enabled`);
for (const bytes of [1024, 16 * 1024]) {
  for (const withFindings of [false, true]) {
    const text = textOf(bytes, withFindings);
    const label = `${bytes / 1024} KB ${withFindings ? "with 4 findings" : "clean"}`;
    measure(`stage onResponse, text content, ${label}`, bytes > 4096 ? 20_000 : 100_000, stageRun({ content: [{ type: "text", text }] }));
  }
}
{
  const structured = { content: [{ type: "text", text: "see structuredContent" }], structuredContent: JSON.parse(JSON.stringify({ rows: LINES.concat(LINES).map((l, i) => ({ id: i, line: l, at: "2024-06-01" })) })) };
  const size = JSON.stringify(structured).length;
  measure(`stage onResponse, structured content (${size} B JSON, clean)`, 100_000, stageRun(structured));
}
const plan = buildPlan(config).LOW;
const rewriter = new Rewriter(undefined);
for (const bytes of [1024, 16 * 1024]) {
  const text = textOf(bytes, false);
  measure(`findMatches only, ${bytes / 1024} KB clean`, bytes > 4096 ? 20_000 : 100_000, () => findMatches(text, plan.detectors));
}
{
  const chunk = textOf(1024, true);
  const redactor = createStreamRedactor({ level: plan, rewriter, holdBackChars: 1024, maxHoldChars: 65_536 });
  measure("stream redactor push, 1 KB chunks with findings (1 KB held)", 50_000, () => redactor.push(chunk));
}
console.log("\nper detector, 16 KB clean text:");
const big = textOf(16 * 1024, false);
for (const name of DETECTOR_NAMES) {
  measure(`  ${name}`, 10_000, () => findMatches(big, DETECTORS[name]));
}
