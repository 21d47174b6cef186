#!/usr/bin/env bun
/**
 * Builds every bundled JS plugin: each plugins-js/examples/<dir>/ holding a manifest.json becomes
 * <out>/<manifest name>/{plugin.wasm,manifest.json}. <out> defaults to the repository's plugins/ folder.
 * `npx bun plugins-js/build.ts [out] [--cache-dir <dir>]`
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileJsPlugin } from "./compiler/index.ts";

const EXAMPLES = join(import.meta.dir, "examples");

export interface BundledPlugin {
  name: string;
  entry: string;
  manifest: string;
}

export function bundledPlugins(): BundledPlugin[] {
  const found: BundledPlugin[] = [];
  for (const dir of readdirSync(EXAMPLES).sort()) {
    const manifest = join(EXAMPLES, dir, "manifest.json");
    if (!existsSync(manifest)) continue;
    const entry = ["index.ts", "index.js"].map((f) => join(EXAMPLES, dir, f)).find(existsSync);
    if (!entry) throw new Error(`plugins-js/examples/${dir} has a manifest.json but no index.ts or index.js`);
    found.push({ name: JSON.parse(readFileSync(manifest, "utf8")).name, entry, manifest });
  }
  return found;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--cache-dir");
  const cacheDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const out = resolve(args[0] ?? join(import.meta.dir, "..", "plugins"));
  for (const p of bundledPlugins()) {
    mkdirSync(join(out, p.name), { recursive: true });
    const r = await compileJsPlugin({ entry: p.entry, out: join(out, p.name, "plugin.wasm"), cacheDir });
    copyFileSync(p.manifest, join(out, p.name, "manifest.json"));
    console.log(`${p.name}: ${r.outBytes} bytes in ${r.ms} ms${r.engineCached ? "" : " (engine built)"}`);
  }
}
