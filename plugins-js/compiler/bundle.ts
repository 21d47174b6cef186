/**
 * Turns an author's entry file (.js/.ts, with local imports) into one classic script QuickJS evaluates at
 * build time: the engine prelude, then the bundle wrapped as a CommonJS module, then a check that the
 * default export is a valid plugin. Bun's own bundler strips TypeScript and resolves imports.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { PRELUDE_PATH } from "../engine/build.ts";

const ENTRY_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];

export async function bundlePlugin(entry: string): Promise<string> {
  const path = resolve(entry);
  if (!ENTRY_EXTENSIONS.some((ext) => path.endsWith(ext))) {
    throw new Error(`the plugin entry must be a ${ENTRY_EXTENSIONS.join("/")} file, got ${entry}`);
  }
  if (!(await Bun.file(path).exists())) throw new Error(`the plugin entry ${entry} does not exist`);
  const entryDir = dirname(path);
  const virtualEntry = join(entryDir, `${VIRTUAL_ENTRY_NAME}${extname(path)}`);
  let result = await build(entry, virtualEntry, { [virtualEntry]: readFileSync(path) });
  // A module of the plugin that imports the entry itself would then bundle it twice (once under each name):
  // build from the real file instead, accepting folder-dependent names for that rare layout.
  if (result.metafile && Object.keys(result.metafile.inputs).some((f) => resolve(f) === path)) result = await build(entry, path, {});
  const shown = (file: string) => (resolve(file) === virtualEntry ? basename(path) : relative(entryDir, resolve(file)));
  if (!result.success || result.outputs.length !== 1) {
    throw new Error(`bundling ${entry} failed:\n${result.logs.map((l) => describeLog(l, shown)).join("\n")}`);
  }
  refuseExternals(result.metafile!, shown);
  const bundle = stablePaths(await result.outputs[0]!.text(), shown);
  return [
    readFileSync(PRELUDE_PATH, "utf8"),
    "(function (module) {",
    "var exports = module.exports;",
    bundle,
    "globalThis.__pluginExports = module.exports;",
    "})({ exports: {} });",
    "__sidecar.check();",
    "",
  ].join("\n");
}

/**
 * Bun names a module's hoisted identifiers after its file, and an `index.*` file after its folder
 * (`hello_default`, `exports_hello`), so the same plugin built in differently named folders would give different
 * bytes. Bundling the entry's source under this fixed name, in the entry's own folder so its relative imports
 * still resolve, makes those names independent of where the plugin lives.
 */
const VIRTUAL_ENTRY_NAME = "__sidecar_plugin_entry";

async function build(entry: string, entrypoint: string, files: Record<string, Buffer>): Promise<Bun.BuildOutput> {
  try {
    // "browser": no Node or Bun built-ins exist inside the plugin, so importing one fails here, not at run time.
    return await Bun.build({ entrypoints: [entrypoint], files, target: "browser", format: "cjs", throw: false, metafile: true });
  } catch (err) {
    throw new Error(`bundling ${entry} failed: ${(err as Error).message}`);
  }
}

/**
 * One bundler message as an author can act on it: `file:line:column: message`, then the offending line with a
 * caret under the column. Bun's own String() of a BuildMessage drops the position.
 */
function describeLog(log: BuildMessage | ResolveMessage, shown: (file: string) => string): string {
  const pos = log.position;
  if (!pos?.file) return `${log.level}: ${log.message}`;
  const head = `${shown(pos.file)}:${pos.line}:${pos.column}: ${log.level}: ${log.message}`;
  if (!pos.lineText) return head;
  return `${head}\n    ${pos.lineText}\n    ${" ".repeat(Math.max(0, pos.column - 1))}^`;
}

/**
 * A plugin runs in QuickJS with no Node or Bun APIs, and nothing outside the bundle. Bun's browser target leaves
 * built-ins (`fs`, `node:path`, `bun`) external and would quietly stub them, so `readFileSync` would be
 * undefined at the first call: refuse any import the bundle did not resolve.
 */
function refuseExternals(
  metafile: { inputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }> },
  shown: (file: string) => string,
) {
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const external = input.imports.find((i) => i.external);
    if (external) {
      const hint = BUILTINS.has(external.path.replace(/^node:/, "")) || /^(node:|bun)/.test(external.path) ? "a Node/Bun built-in, " : "";
      throw new Error(
        `${shown(file)} imports "${external.path}", which is ${hint}not available inside a plugin (use http.fetch, config.get, console)`,
      );
    }
  }
}

const BUILTINS = new Set(builtinModules);

/**
 * Bun marks each module with a `// <path>` comment relative to the process's working directory; rewrite
 * them relative to the entry's folder (and the virtual entry by the author's file name) so the plugin's bytes
 * do not depend on where it was built from.
 */
function stablePaths(code: string, shown: (file: string) => string): string {
  return code.replace(/^\/\/ (\S+\.[cm]?[jt]sx?)$/gm, (_line, p: string) => `// ${shown(p)}`);
}
