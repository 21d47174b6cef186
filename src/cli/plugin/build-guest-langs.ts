/**
 * The JavaScript and AssemblyScript routes of `plugin build`: thin adapters over the compilers that live
 * beside their PDKs (plugins-js/compiler, plugins-as/build.ts), turning their failures into author-facing
 * errors.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildAssemblyScriptPlugin } from "../../../plugins-as/build.ts";
import { compileJsPlugin } from "../../../plugins-js/compiler/index.ts";
import { PluginCliError } from "./errors.ts";

/** The JavaScript entry of a plugin folder, if any. */
export function jsEntry(dir: string): string | null {
  for (const name of ["index.js", "index.ts"]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** The compiler checks its own toolchain (clang only when the engine is not cached yet) and names the apt-get line. */
export async function buildJsPlugin(opts: { dir: string; out: string; cacheDir: string }): Promise<void> {
  const entry = jsEntry(opts.dir);
  if (!entry) throw new PluginCliError(`${opts.dir} has no index.js or index.ts`, 2);
  try {
    // The same subfolder as the compiler's own default, so the engine is shared with `plugins-js` builds.
    await compileJsPlugin({ entry, out: opts.out, cacheDir: join(opts.cacheDir, "plugins-js") });
  } catch (err) {
    if (err instanceof PluginCliError) throw err;
    throw new PluginCliError(`JavaScript build failed: ${(err as Error).message}`);
  }
}

export async function buildAsPlugin(opts: { dir: string; out: string }): Promise<void> {
  try {
    await buildAssemblyScriptPlugin({ dir: opts.dir, out: opts.out });
  } catch (err) {
    throw new PluginCliError((err as Error).message.startsWith("AssemblyScript") ? (err as Error).message : `AssemblyScript build failed: ${(err as Error).message}`);
  }
}
