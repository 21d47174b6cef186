/**
 * Turns an author's entry file (.js/.ts, with local imports) into one classic script QuickJS evaluates at
 * build time: the engine prelude, then the bundle wrapped as a CommonJS module, then a check that the
 * default export is a valid plugin. Bun's own bundler strips TypeScript and resolves imports.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { PRELUDE_PATH } from "../engine/build.ts";

const ENTRY_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];

export async function bundlePlugin(entry: string): Promise<string> {
  const path = resolve(entry);
  if (!ENTRY_EXTENSIONS.some((ext) => path.endsWith(ext))) {
    throw new Error(`the plugin entry must be a ${ENTRY_EXTENSIONS.join("/")} file, got ${entry}`);
  }
  if (!(await Bun.file(path).exists())) throw new Error(`the plugin entry ${entry} does not exist`);
  let result: Bun.BuildOutput;
  try {
    // "browser": no Node or Bun built-ins exist inside the plugin, so importing one fails here, not at run time.
    result = await Bun.build({ entrypoints: [path], target: "browser", format: "cjs", throw: false, metafile: true });
  } catch (err) {
    throw new Error(`bundling ${entry} failed: ${(err as Error).message}`);
  }
  if (!result.success || result.outputs.length !== 1) {
    throw new Error(`bundling ${entry} failed:\n${result.logs.map((l) => String(l)).join("\n")}`);
  }
  refuseExternals(result.metafile!, dirname(path));
  const bundle = stablePaths(await result.outputs[0]!.text(), dirname(path));
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
 * A plugin runs in QuickJS with no Node or Bun APIs, and nothing outside the bundle. Bun's browser target leaves
 * built-ins (`fs`, `node:path`, `bun`) external and would quietly stub them, so `readFileSync` would be
 * undefined at the first call: refuse any import the bundle did not resolve.
 */
function refuseExternals(metafile: { inputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }> }, entryDir: string) {
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const external = input.imports.find((i) => i.external);
    if (external) {
      const hint = BUILTINS.has(external.path.replace(/^node:/, "")) || /^(node:|bun)/.test(external.path) ? "a Node/Bun built-in, " : "";
      throw new Error(
        `${relative(entryDir, resolve(file))} imports "${external.path}", which is ${hint}not available inside a plugin (use http.fetch, config.get, console)`,
      );
    }
  }
}

const BUILTINS = new Set(builtinModules);

/**
 * Bun marks each module with a `// <path>` comment relative to the process's working directory; rewrite
 * them relative to the entry's folder so the plugin's bytes do not depend on where it was built from.
 */
function stablePaths(code: string, entryDir: string): string {
  return code.replace(/^\/\/ (\S+\.[cm]?[jt]sx?)$/gm, (_line, p: string) => `// ${relative(entryDir, resolve(p))}`);
}
