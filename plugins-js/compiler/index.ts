/**
 * The JavaScript/TypeScript plugin compiler: bundles the author's entry, and pre-initialises the cached
 * QuickJS engine with it under wizer, so the plugin's code is parsed and its top level has run before the
 * first call. The result is a hyper-mcp plugin (exports list_tools / call_tool). See plugins-js/README.md.
 */
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { bundlePlugin } from "./bundle.ts";
import { requireWizer } from "./toolchain.ts";
import { defaultCacheDir, ensureEngine, WIZER_STUBS } from "../engine/build.ts";

export interface CompileOptions {
  /** The plugin's entry file (.js or .ts); local imports are bundled. */
  entry: string;
  /** Where to write the plugin (.wasm). */
  out: string;
  /** Engine cache folder; default $XDG_CACHE_HOME/mcp-sidecar/plugins-js (or ~/.cache/...). */
  cacheDir?: string;
}

export interface CompileResult {
  outBytes: number;
  /** False when this build had to compile the engine first (the slow, once-per-machine part). */
  engineCached: boolean;
  ms: number;
  /** What the plugin's top-level code printed with console.* while it was pre-initialised. */
  buildLog: string;
}

export async function compileJsPlugin(opts: CompileOptions): Promise<CompileResult> {
  const started = performance.now();
  const wizer = requireWizer();
  const source = await bundlePlugin(opts.entry);
  const engine = await ensureEngine(opts.cacheDir ?? defaultCacheDir());
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial-${process.pid}`;
  const args = [wizer, engine.path, "-o", partial, "--init-func", "wizer.initialize", "--allow-wasi", "--inherit-stdio", "true"];
  for (const [name, stub] of Object.entries(WIZER_STUBS)) args.push("--preload", `${name}=${stub}`);
  const proc = Bun.spawn(args, { stdin: new TextEncoder().encode(source), stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`${opts.entry}: ${initFailure(stdout + stderr)}`);
  }
  renameSync(partial, out);
  const buildLog = (stdout + stderr).trim();
  return { outBytes: statSync(out).size, engineCached: engine.cached, ms: Math.round(performance.now() - started), buildLog };
}

/** glue.c prints the plugin's own error before exiting; wizer then adds its trap report, which is noise. */
function initFailure(output: string): string {
  const ours = output.split("\nError: ")[0]!.trim();
  return ours || "pre-initialisation failed (wizer gave no reason)";
}
