/**
 * Builds an AssemblyScript plugin folder (`assembly/index.ts` + `manifest.json`) into an Extism plugin for the
 * gateway, with this repository's PDK (plugins-as/pdk) importable as "mcp-sidecar-pdk" wherever the folder is.
 *
 *   npx bun plugins-as/build.ts <dir> -o <out.wasm>
 *
 * Same sources and compiler version give the same bytes (plugins-as/check-reproducible.sh checks it): asc
 * names files relative to the plugin folder and the PDK as `~lib/mcp-sidecar-pdk/...`, never by absolute path.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { describeManifestError, manifestSchema } from "../src/registry/manifest.ts";

export const PDK_DIR = join(import.meta.dir, "pdk");
export const PDK_IMPORT = "mcp-sidecar-pdk";
/** The version package.json pins, named in the error when the compiler is missing. */
const ASC_PACKAGE = `assemblyscript@${JSON.parse(readFileSync(join(import.meta.dir, "..", "package.json"), "utf8")).dependencies.assemblyscript}`;

/**
 * Compiler flags, fixed so builds are reproducible:
 * - `-O3`: speed over size (an echo plugin is ~10 KB either way); assertions stay on — a failed one becomes
 *   a clear error through pluginAbort instead of silently wrong output.
 * - `--runtime incremental`: the default GC. A pooled instance serves many calls, so garbage must be freed
 *   (`stub` never frees and would grow to the memory limit); `minimal` needs the host to call __collect,
 *   which Extism hosts do not.
 * - `--use abort=...`: AssemblyScript's abort (failed assert, bad index, every `throw`) reports an Extism
 *   error instead of importing `env.abort`, which no Extism host provides; `trace` goes to the host log.
 */
const ASC_FLAGS = [
  "-O3",
  "--runtime",
  "incremental",
  "--use",
  `abort=~lib/${PDK_IMPORT}/abort/pluginAbort`,
  "--use",
  `trace=~lib/${PDK_IMPORT}/abort/pluginTrace`,
  "--noColors",
];

/**
 * A second entry file, served from memory, that only imports the PDK's abort module: the `--use abort=`
 * target then exists even in a plugin that does not import the PDK (it exports nothing).
 */
const ABORT_ENTRY = "__mcp_sidecar_abort__.ts";

export interface BuildOptions {
  /** Plugin folder: `assembly/index.ts` and `manifest.json`. */
  dir: string;
  /** Where to write the .wasm; the manifest is copied beside it when that is another folder. */
  out: string;
}

type AscMain = (argv: string[], options: Record<string, unknown>) => Promise<{ error: Error | null; stderr: { toString(): string } }>;

/** The compiler's entry point; `specifier` is replaceable so a test can play a machine without it. */
export async function loadCompiler(specifier = "assemblyscript/asc"): Promise<AscMain> {
  try {
    const asc = await import(specifier);
    return asc.main as unknown as AscMain;
  } catch (err) {
    throw new Error(`the AssemblyScript compiler is not installed (${(err as Error).message}): run \`npm install --save-exact ${ASC_PACKAGE}\``);
  }
}

export async function buildAssemblyScriptPlugin(opts: BuildOptions): Promise<{ outBytes: number; ms: number }> {
  const started = performance.now();
  const dir = resolve(opts.dir);
  const entry = join("assembly", "index.ts");
  if (!existsSync(join(dir, entry))) throw new Error(`${dir} has no ${entry}: an AssemblyScript plugin folder holds assembly/index.ts and manifest.json`);
  checkManifest(join(dir, "manifest.json"));
  const main = await loadCompiler();

  // `import ... from "mcp-sidecar-pdk"` is looked up under each --path entry; this one does not exist on disk,
  // readFile below serves it from PDK_DIR. So the PDK resolves for a plugin folder anywhere.
  const packages = join(PDK_DIR, "..", ".packages");
  const pdkRoot = join(packages, PDK_IMPORT) + sep;
  const readFile = (name: string, baseDir: string): string | null => {
    if (name === ABORT_ENTRY) return `import "${PDK_IMPORT}/abort";\n`;
    const path = resolve(baseDir, name);
    const file = path.startsWith(pdkRoot) ? join(PDK_DIR, path.slice(pdkRoot.length)) : path;
    try {
      return readFileSync(file, "utf8");
    } catch {
      return null;
    }
  };
  let wasm: Uint8Array | undefined;
  const result = await main([entry, ABORT_ENTRY, "--baseDir", dir, "--outFile", "plugin.wasm", "--path", packages, ...ASC_FLAGS], {
    readFile,
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name === "plugin.wasm" && typeof contents !== "string") wasm = contents;
    },
    listFiles: () => [],
  });
  if (result.error || !wasm) {
    const diagnostics = result.stderr.toString().trim();
    throw new Error(`AssemblyScript build of ${dir} failed: ${result.error?.message ?? "no output"}${diagnostics ? `\n${diagnostics}` : ""}`);
  }

  refuseHostlessImports(wasm, dir);

  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, wasm);
  if (dirname(out) !== dir) copyFileSync(join(dir, "manifest.json"), join(dirname(out), "manifest.json"));
  return { outBytes: wasm.byteLength, ms: performance.now() - started };
}

/** What AssemblyScript's standard library imports from `env`, and what a plugin uses instead. */
const ENV_IMPORT_HINTS: Record<string, string> = {
  seed: "Math.random (Extism offers plugins no random source)",
  "Date.now": "Date.now (pass the time as an argument)",
  "console.log": "console.log (use log() from mcp-sidecar-pdk)",
};

/**
 * Extism hosts provide no `env` module, so such a plugin would only fail at load time: say so now, naming
 * the standard-library call behind each import.
 */
function refuseHostlessImports(wasm: Uint8Array, dir: string): void {
  const env = WebAssembly.Module.imports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>)).filter((i) => i.module === "env");
  if (env.length === 0) return;
  const uses = env.map((i) => ENV_IMPORT_HINTS[i.name] ?? (i.name.startsWith("console.") ? ENV_IMPORT_HINTS["console.log"] : `env.${i.name}`));
  throw new Error(`AssemblyScript build of ${dir} failed: the plugin uses ${[...new Set(uses)].join(", ")}, which Extism hosts do not provide`);
}

/** A bad manifest fails the build, not the gateway's load later. */
function checkManifest(path: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: ${describeManifestError(parsed.error)}`);
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { out: { type: "string", short: "o" } } });
  if (positionals.length !== 1 || !values.out) {
    console.error("usage: npx bun plugins-as/build.ts <plugin-dir> -o <out.wasm>");
    process.exit(2);
  }
  try {
    const { outBytes, ms } = await buildAssemblyScriptPlugin({ dir: positionals[0]!, out: values.out });
    console.log(`${values.out}: ${outBytes} bytes in ${Math.round(ms)} ms`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
