/**
 * The echo plugin's call through the shipped sandbox (instrumented module, our Extism host), for two or more
 * builds of the same plugin, interleaved in one process: which build answers faster, as a ratio to the first.
 * The call is the load benchmark's: `{"text": <200 B>, "repeat": 5}` (a 1 KB answer).
 *   npx bun bench/echo-guest.bench.ts BUILD_A.wasm BUILD_B.wasm [...] [--rounds 9]
 * e.g. the committed echo against the one before a build change:
 *   git show HEAD~1:plugins/echo/plugin.wasm > /tmp/echo-before.wasm
 *   npx bun bench/echo-guest.bench.ts /tmp/echo-before.wasm plugins/echo/plugin.wasm
 */
import { parseArgs } from "node:util";
import { CallState } from "../src/sandbox/call-state.ts";
import { compilePlugin } from "../src/sandbox/compile.ts";
import { SandboxInstance } from "../src/sandbox/instance.ts";

const { values, positionals } = parseArgs({ options: { rounds: { type: "string", default: "9" } }, allowPositionals: true });
if (positionals.length < 2) throw new Error("give two or more .wasm builds of the echo plugin");
const CALLS = 20_000;
const SENTENCE = "The quick brown fox jumps over the lazy dog; the lazy dog sleeps on, unbothered by the quick fox. 0123";
const text = SENTENCE.repeat(2).slice(0, 200);
const input = JSON.stringify({ request: { name: "echo", arguments: { text, repeat: 5 } }, context: { id: 1, _meta: {} } });
const options = { pluginName: "echo", maxGuestBytes: 16 << 20, maxOutputBytes: 1 << 20, config: {}, allowedHosts: [], hostFunctions: {}, logger: console };
const newState = () => new CallState({ timeoutMs: 10_000, limitMs: 10_000, maxHostBytes: 16 << 20, fuelBudget: null, textOutput: true });

async function build(path: string) {
  const bytes = await Bun.file(path).bytes();
  const instance = await SandboxInstance.create(await compilePlugin(bytes, 256), options);
  // A call suspends (and is awaited) only when a fuel yield falls due, as in the gateway: rare.
  const call = () => instance.call("call_tool", input, newState());
  const answer = (await call()).text ?? "";
  if (!answer.includes(text.repeat(5))) throw new Error(`${path}: wrong answer ${answer.slice(0, 120)}`);
  for (let i = 0; i < CALLS; i++) {
    const outcome = call(); // warm-up: let the JIT tier up
    if (outcome instanceof Promise) await outcome;
  }
  return { path, bytes: bytes.length, call, samples: [] as number[] };
}

const builds = [];
for (const path of positionals) builds.push(await build(path));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const b of builds) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) {
      const outcome = b.call();
      if (outcome instanceof Promise) await outcome;
    }
    b.samples.push(((performance.now() - t0) * 1000) / CALLS);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const first = median(builds[0]!.samples);
console.log(`echo call_tool, 200 B x 5 -> 1 KB, ${CALLS} calls per round, median of ${values.rounds} interleaved rounds`);
console.log("| build | bytes | µs/call | vs first | all rounds µs |");
console.log("|---|---:|---:|---:|---|");
for (const b of builds) {
  const m = median(b.samples);
  console.log(`| ${b.path} | ${b.bytes} | ${m.toFixed(2)} | ${(m / first).toFixed(2)}x | ${b.samples.map((s) => s.toFixed(2)).join(", ")} |`);
}
process.exit(0);
