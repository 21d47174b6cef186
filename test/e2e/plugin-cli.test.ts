/**
 * The plugin author's whole path, per language, as the README walks it: `plugin new` → `plugin build` →
 * `plugin test` (each a real `bin/mcp-sidecar` subprocess) → copy the folder into the plugins directory of a
 * running gateway (hot reload) → call the new tool over HTTP with the SDK client. Done within a minute once
 * the toolchain caches are warm; the warm-up builds the same scaffold elsewhere, which also proves the
 * output is byte-reproducible (same bytes from a different folder).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { connectClient, REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";

const temp = tempFolders();
const BIN = join(REPO, "bin", "mcp-sidecar");
/** Persistent across runs (gitignored): cargo's shared target dir and the JS engine build live here. */
const CACHE = join(REPO, ".tmp", "plugin-cache");
const LANGUAGES = ["rust", "js", "as"] as const;
type Lang = (typeof LANGUAGES)[number];
const WARM_UP_MS = 600_000; // a fresh machine compiles serde and the JS engine once
const AUTHOR_BUDGET_MS = 60_000;

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BIN, "plugin", ...args], {
    cwd,
    env: { ...process.env, MCP_SIDECAR_CACHE_DIR: CACHE },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

async function cli(args: string[], cwd: string): Promise<string> {
  const { code, stdout, stderr } = await run(args, cwd);
  if (code !== 0) throw new Error(`mcp-sidecar plugin ${args.join(" ")} exited ${code}\n${stdout}\n${stderr}`);
  return stdout;
}

const pluginName = (lang: Lang) => `e2e-hello-${lang}`;
const shaOf = (buildOutput: string) => buildOutput.match(/sha256 ([0-9a-f]{16})/)?.[1];

let gw: TestGateway;
const warmSha = new Map<Lang, string | undefined>();

beforeAll(async () => {
  mkdirSync(CACHE, { recursive: true });
  gw = await startTestGateway({ watch: true });
  // Warm the toolchain caches with the very scaffold the timed run builds, in another folder.
  for (const lang of LANGUAGES) {
    const cwd = temp.make(`plugin-warm-${lang}-`);
    await cli(["new", pluginName(lang), "--lang", lang], cwd);
    warmSha.set(lang, shaOf(await cli(["build", pluginName(lang)], cwd)));
  }
}, WARM_UP_MS);
afterAll(() => gw?.stop());

async function waitForTool(name: string, deadlineMs: number): Promise<void> {
  await using client = await connectClient(gw.mcpUrl);
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const { tools } = await client.listTools();
    if (tools.some((t) => t.name === name)) return;
    if (performance.now() > deadline) throw new Error(`tool ${name} did not appear; gateway status: ${JSON.stringify(gw.registry.status())}`);
    await Bun.sleep(25); // poll interval while the watcher's debounce and the load run
  }
}

describe("plugin author, from nothing to a live tool", () => {
  for (const lang of LANGUAGES) {
    test(`${lang}: new → build → test → copy into plugins/ → call over HTTP, in under a minute`, async () => {
      const started = performance.now();
      const name = pluginName(lang);
      const cwd = temp.make(`plugin-author-${lang}-`);
      expect(await cli(["new", name, "--lang", lang], cwd)).toContain(`created ${join(cwd, name)} (${lang})`);
      const built = await cli(["build", name], cwd);
      expect(built).toContain(`built ${join(name, "plugin.wasm")}`);
      expect(shaOf(built)).toBe(warmSha.get(lang)!); // byte-reproducible: same bytes as the warm-up's folder
      expect(await cli(["test", name], cwd)).toContain("2 passed, 0 failed");

      cpSync(join(cwd, name), join(gw.pluginsDir, name), { recursive: true });
      await waitForTool(name, 20_000);
      await using client = await connectClient(gw.mcpUrl);
      const result = await client.callTool({ name, arguments: { name: "Ada" } });
      expect(result.content).toEqual([{ type: "text", text: "Hello, Ada!" }]);
      const blank = await client.callTool({ name, arguments: { name: " " } });
      expect(blank).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringContaining("must not be empty") }] });
      // The gateway checks arguments against the declared inputSchema before the plugin runs.
      await expect(client.callTool({ name, arguments: {} })).rejects.toThrow("name is required");
      expect(performance.now() - started).toBeLessThan(AUTHOR_BUDGET_MS);
    }, AUTHOR_BUDGET_MS * 2);
  }
});

const SOURCE: Record<Lang, string> = { rust: "src/lib.rs", js: "index.js", as: "assembly/index.ts" };

describe("a plugin that does not compile", () => {
  for (const lang of LANGUAGES) {
    test(`${lang}: the compiler's message points at the author's file, and no module is left behind`, async () => {
      const cwd = temp.make(`plugin-broken-${lang}-`);
      const name = `e2e-broken-${lang}`;
      await cli(["new", name, "--lang", lang], cwd);
      appendFileSync(join(cwd, name, SOURCE[lang]), "\nthis is not valid code (\n");
      const { code, stdout, stderr } = await run(["build", name], cwd);
      expect(code).toBe(1);
      expect(stderr).toContain("mcp-sidecar plugin: ");
      expect(stderr).toContain(lang === "rust" ? "lib.rs" : SOURCE[lang].split("/").pop()!);
      expect(stdout).not.toContain("built ");
      expect(existsSync(join(cwd, name, "plugin.wasm"))).toBe(false);
    }, AUTHOR_BUDGET_MS);
  }
});
