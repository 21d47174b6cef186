/**
 * Builds every example under plugins-as/examples into <out>/<manifest name>/ (plugin.wasm + manifest.json);
 * <out> defaults to the repository's plugins/ folder, where the bundled plugins live.
 *   npx bun plugins-as/build-all.ts [out]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildAssemblyScriptPlugin } from "./build.ts";

export const EXAMPLES_DIR = join(import.meta.dir, "examples");

/** The bundled AssemblyScript plugins: example folder and the plugin name it is shipped under. */
export function bundledExamples(): { dir: string; name: string }[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((folder) => {
      const dir = join(EXAMPLES_DIR, folder);
      return { dir, name: String(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).name) };
    });
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? join(import.meta.dir, "..", "plugins"));
  for (const { dir, name } of bundledExamples()) {
    const { outBytes, ms } = await buildAssemblyScriptPlugin({ dir, out: join(out, name, "plugin.wasm") });
    console.log(`${name}: ${outBytes} bytes in ${Math.round(ms)} ms`);
  }
}
