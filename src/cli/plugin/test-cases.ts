/**
 * `mcp-sidecar plugin test [dir]`: runs the plugin's own test cases (tests.json) through the gateway's real
 * sandbox and loader, one line per case, exit code 1 if any fails. One format for every language:
 *
 *   [{ "name": "...", "tool": "greet", "arguments": {...},
 *      "expect": { "text"?: "exact text", "contains"?: "substring", "isError"?: true } }]
 *
 * `text` and `contains` look at the result's text content (text parts joined by newlines). Arguments the
 * gateway's firewall would refuse (not matching the tool's inputSchema) fail the case, as they would fail
 * the call through the gateway.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { describeIssues, formatIssues, SchemaValidators } from "../../pipeline/firewall/schema-validator.ts";
import { compileModule, requireAbi } from "./abi.ts";
import { readManifest } from "./build.ts";
import { PluginCliError } from "./errors.ts";
import { callToolAsGateway, openPluginFolder } from "./sandbox.ts";

export const TESTS_FILE = "tests.json";

const expectSchema = z
  .object({ text: z.string().optional(), contains: z.string().optional(), isError: z.boolean().optional() })
  .strict()
  .refine((e) => Object.keys(e).length > 0, 'give at least one of "text", "contains", "isError"');

const caseSchema = z
  .object({
    name: z.string().min(1),
    tool: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).optional(),
    expect: expectSchema,
  })
  .strict();
const casesSchema = z.array(caseSchema).min(1, "add at least one test case");
export type TestCase = z.infer<typeof caseSchema>;

export function parseTestCases(text: string, path: string): TestCase[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PluginCliError(`${path} is not valid JSON: ${(err as Error).message}`, 2);
  }
  const parsed = casesSchema.safeParse(raw);
  if (!parsed.success) {
    const where = (path: PropertyKey[]) => path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(root)";
    const issues = parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`);
    throw new PluginCliError(`${path}: ${issues.join("; ")}\n  each case: {"name", "tool", "arguments"?, "expect": {"text"?, "contains"?, "isError"?}}`, 2);
  }
  return parsed.data;
}

export const resultText = (result: CallToolResult) =>
  result.content
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n");

/** Why a result does not meet the expectation, or null when it does. */
export function mismatch(expect: TestCase["expect"], result: CallToolResult): string | null {
  const text = resultText(result);
  const isError = result.isError === true;
  const problems: string[] = [];
  if (expect.isError !== undefined && expect.isError !== isError) problems.push(`expected isError ${expect.isError}, got ${isError}`);
  if (expect.text !== undefined && expect.text !== text) problems.push(`expected text ${JSON.stringify(expect.text)}, got ${JSON.stringify(text)}`);
  if (expect.contains !== undefined && !text.includes(expect.contains)) problems.push(`expected the text to contain ${JSON.stringify(expect.contains)}, got ${JSON.stringify(text)}`);
  // A tool error nobody expected is the likeliest reason for a text mismatch: say so.
  if (problems.length > 0 && isError && expect.isError === undefined) problems.push("(the tool returned an error)");
  // Without a text expectation the author has not seen what came back yet: show it.
  if (problems.length > 0 && expect.text === undefined && expect.contains === undefined) problems.push(`text: ${JSON.stringify(text)}`);
  return problems.length > 0 ? problems.join("; ") : null;
}

/**
 * The gateway's firewall checks arguments against the tool's inputSchema before the plugin runs (invalid
 * ones get a -32602 error), so a case whose arguments it would refuse cannot pass here either.
 */
function refusedArguments(validators: SchemaValidators, schema: object, args: Record<string, unknown>): string | null {
  const compiled = validators.get(schema);
  if (!compiled.ok) return `the tool's inputSchema does not compile, so the gateway refuses every call: ${compiled.reason}`;
  if (compiled.validate(args)) return null;
  return `the gateway refuses these arguments before the plugin runs (-32602): ${formatIssues(describeIssues(compiled.validate.errors))}`;
}

export interface TestIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Runs every case; returns the exit code (0 all passed, 1 some failed). */
export async function runPluginTests(dirArg: string | undefined, cwd: string, io: TestIo): Promise<number> {
  const dir = resolve(cwd, dirArg ?? ".");
  const manifest = readManifest(dir);
  const wasm = resolve(dir, manifest.wasm);
  if (!existsSync(wasm)) throw new PluginCliError(`${wasm} does not exist yet: build it first with: mcp-sidecar plugin build ${dirArg ?? "."}`, 2);
  const testsPath = join(dir, TESTS_FILE);
  if (!existsSync(testsPath)) throw new PluginCliError(`${testsPath} is missing: add test cases (format: mcp-sidecar plugin --help)`, 2);
  const cases = parseTestCases(readFileSync(testsPath, "utf8"), testsPath);
  requireAbi(compileModule(wasm, readFileSync(wasm)).functions, manifest.abi);

  using plugin = await openPluginFolder(dir, { err: io.err });
  const tools = new Map(plugin.offer.tools.map((t) => [t.name, t]));
  const validators = new SchemaValidators();
  let failed = 0;
  for (const [i, testCase] of cases.entries()) {
    const started = performance.now();
    let problem: string | null;
    const tool = tools.get(testCase.tool);
    if (!tool) {
      problem = `the plugin offers no tool "${testCase.tool}" (it offers: ${[...tools.keys()].join(", ") || "none"})`;
    } else if ((problem = refusedArguments(validators, tool.inputSchema, testCase.arguments ?? {}))) {
      // reported as is: through the gateway these arguments never reach the plugin
    } else {
      const result = await callToolAsGateway(plugin, testCase.tool, testCase.arguments, i + 1);
      problem = mismatch(testCase.expect, result);
    }
    const ms = (performance.now() - started).toFixed(1);
    if (problem) failed++;
    io.out(problem ? `FAIL ${testCase.name} (${ms} ms)\n     ${problem}\n` : `ok   ${testCase.name} (${ms} ms)\n`);
  }
  io.out(`${cases.length - failed} passed, ${failed} failed — ${manifest.name} ${manifest.version} (${plugin.provider.abi} ABI)\n`);
  return failed > 0 ? 1 : 0;
}
