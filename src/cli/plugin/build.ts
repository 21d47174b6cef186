/**
 * `mcp-sidecar plugin build [dir]`: compiles the plugin in `dir` (language told by its files) to the module
 * its manifest names (plugin.wasm by default), checks that the module speaks the manifest's ABI, and prints
 * size, hash and time. The folder is then ready to copy into a gateway's plugins directory.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { MANIFEST_FILE } from "../../registry/loader.ts";
import { describeManifestError, manifestSchema, type PluginManifest } from "../../registry/manifest.ts";
import { compileModule, requireAbi } from "./abi.ts";
import { buildRustPlugin } from "./build-rust.ts";
import { buildAsPlugin, buildJsPlugin, jsEntry } from "./build-guest-langs.ts";
import { PluginCliError } from "./errors.ts";
import type { PluginLanguage, ToolchainProbe } from "./toolchain.ts";

export interface BuildIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  probe?: ToolchainProbe;
}

export interface BuildResult {
  lang: PluginLanguage;
  wasm: string;
  bytes: number;
  sha256: string;
  ms: number;
}

/** Where compiled toolchain state lives between builds (cargo's target dir, the JS engine). */
export function pluginCacheDir(env: Record<string, string | undefined>): string {
  if (env.MCP_SIDECAR_CACHE_DIR) return resolve(env.MCP_SIDECAR_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ?? join(env.HOME ?? tmpdir(), ".cache"), "mcp-sidecar");
}

export function detectLanguage(dir: string): PluginLanguage {
  if (existsSync(join(dir, "Cargo.toml"))) return "rust";
  if (existsSync(join(dir, "assembly", "index.ts"))) return "as";
  if (jsEntry(dir)) return "js";
  throw new PluginCliError(
    `cannot tell the plugin's language in ${dir}: expected Cargo.toml (Rust), assembly/index.ts (AssemblyScript) or index.js / index.ts (JavaScript). Create a plugin with: mcp-sidecar plugin new <name> --lang rust|js|as`,
    2,
  );
}

export function readManifest(dir: string): PluginManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new PluginCliError(`${path} is missing: a plugin folder needs a manifest (mcp-sidecar plugin new writes one)`, 2);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PluginCliError(`${path} is not valid JSON: ${(err as Error).message}`, 2);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new PluginCliError(`${path}: ${describeManifestError(parsed.error)}`, 2);
  return parsed.data;
}

export async function buildPlugin(dirArg: string | undefined, cwd: string, io: BuildIo): Promise<BuildResult> {
  const dir = resolve(cwd, dirArg ?? ".");
  if (!existsSync(dir)) throw new PluginCliError(`no such folder: ${dir}`, 2);
  const manifest = readManifest(dir);
  const lang = detectLanguage(dir);
  const out = resolve(dir, manifest.wasm);
  if (!out.startsWith(dir + sep)) throw new PluginCliError(`manifest.json: "wasm" must stay inside the plugin folder`, 2);
  const cacheDir = pluginCacheDir(io.env);
  // A compiler that fails quietly must not leave the previous build looking like this one's output.
  rmSync(out, { force: true });
  const started = performance.now();
  if (lang === "rust") await buildRustPlugin({ dir, out, cacheDir, env: io.env, err: io.err, probe: io.probe });
  else if (lang === "js") await buildJsPlugin({ dir, out, cacheDir });
  else await buildAsPlugin({ dir, out });
  const ms = performance.now() - started;

  if (!existsSync(out)) throw new PluginCliError(`the ${lang} build reported success but wrote no ${out}`);
  const bytes = new Uint8Array(readFileSync(out));
  requireAbi(compileModule(out, bytes).functions, manifest.abi);
  const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  io.out(`built ${relative(cwd, out) || out}  ${bytes.byteLength} bytes  sha256 ${sha256.slice(0, 16)}  in ${(ms / 1000).toFixed(1)} s (${lang})\n`);
  return { lang, wasm: out, bytes: bytes.byteLength, sha256, ms };
}
