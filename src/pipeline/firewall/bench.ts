/**
 * Micro-benchmark of the firewall's pieces on the benchmark workload (200-byte arguments, 1 KB result):
 *   bun src/pipeline/firewall/bench.ts
 * Prints CPU µs per call (p50 of 7 rounds; CPU time, so other processes on the machine inflate it less).
 */
import { screenText } from "./injection.ts";
import { SchemaValidators } from "./schema-validator.ts";
import { findSecrets } from "./secrets.ts";
import { resultText, scanArguments } from "./walk.ts";

const ARGS = {
  q: "Please look up the weather forecast for Paris, France for the next three days and summarise it in a friendly tone with temperatures in celsius. Thanks!",
  n: 3,
};
const SCHEMA = { type: "object", properties: { q: { type: "string", maxLength: 1000 }, n: { type: "integer" } }, required: ["q"], additionalProperties: false };
const RESULT = { content: [{ type: "text", text: "Sunny with light winds, 21 °C at noon. ".repeat(27).slice(0, 1024) }] };
const LIMITS = { maxArgumentBytes: 1 << 20, maxStringLength: 1 << 19, maxDepth: 32 };

function measure(name: string, fn: () => unknown, n = 20_000): void {
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(t0);
    rounds.push((used.user + used.system) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} ${rounds[3]!.toFixed(3)} µs`);
}

const validators = new SchemaValidators();
validators.warmUp();
const compiled = validators.get(SCHEMA);
if (!compiled.ok) throw new Error(compiled.reason);
const argText = scanArguments(ARGS, LIMITS, true).text;
const resText = resultText(RESULT);

measure("scanArguments (limits + text)", () => scanArguments(ARGS, LIMITS, true));
measure("schema validate (compiled)", () => compiled.validate(ARGS));
measure("schema lookup + validate", () => validators.get(SCHEMA).ok && compiled.validate(ARGS));
measure("screenText 200 B arguments", () => screenText(argText));
measure("findSecrets 200 B arguments", () => findSecrets(argText));
measure("resultText 1 KB", () => resultText(RESULT));
measure("screenText 1 KB result", () => screenText(resText));
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  validators.get({ ...SCHEMA, title: `fresh ${i}` });
  console.log(`${"compile a new schema (warm Ajv)".padEnd(34)} ${((performance.now() - t0) * 1000).toFixed(0)} µs`);
}
