#!/usr/bin/env bun
/** `npx bun plugins-js/compile.ts <entry.js|ts> -o <out.wasm> [--cache-dir <dir>]`: builds one JS plugin. */
import { compileJsPlugin } from "./compiler/index.ts";

const USAGE = "usage: bun plugins-js/compile.ts <entry.js|entry.ts> -o <out.wasm> [--cache-dir <dir>]";

function parse(argv: string[]): { entry: string; out: string; cacheDir?: string } {
  let entry: string | undefined, out: string | undefined, cacheDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-o" || a === "--out") out = argv[++i];
    else if (a === "--cache-dir") cacheDir = argv[++i];
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (entry === undefined) entry = a;
    else throw new Error(`more than one entry given (${entry}, ${a})\n${USAGE}`);
  }
  if (!entry || !out) throw new Error(USAGE);
  return { entry, out, cacheDir };
}

try {
  const opts = parse(process.argv.slice(2));
  const r = await compileJsPlugin(opts);
  if (r.buildLog) console.error(r.buildLog);
  console.log(`${opts.out}: ${r.outBytes} bytes in ${r.ms} ms${r.engineCached ? "" : " (engine built and cached)"}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
