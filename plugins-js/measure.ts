#!/usr/bin/env bun
/**
 * Measures the JS route against the Rust echo in the same run (the machine may be busy, so compare ratios):
 * author build time with a warm engine cache, and for echo_js vs echo: load (compile + first instance),
 * the first call on a fresh pre-initialised instance, and the warm per-call cost. "load" after the first is a
 * new runtime over the already-compiled module (the sandbox caches compiled modules by their bytes). In-process sandbox runtime,
 * no HTTP. `npx bun plugins-js/measure.ts [--cache-dir <dir>]`
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { compileJsPlugin } from "./compiler/index.ts";
import { InProcessRuntime } from "../src/sandbox/runtime.ts";
import { pluginLimitsSchema } from "../src/sandbox/limits.ts";
import { userHostFunctions } from "../src/registry/abi/host-functions.ts";

const REPO = join(import.meta.dir, "..");
const at = process.argv.indexOf("--cache-dir");
const cacheDir = at > 0 ? process.argv[at + 1] : join(REPO, ".tmp", "plugins-js-cache");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const builds: number[] = [];
for (let i = 0; i < 5; i++) {
  const r = await compileJsPlugin({ entry: join(import.meta.dir, "examples", "echo", "index.js"), out: join(tmpdir(), `measure-echo-${process.pid}.wasm`), cacheDir });
  if (i > 0 || r.engineCached) builds.push(r.ms);
}
console.log(`author build (echo, warm engine cache): median ${median(builds)} ms of ${builds.length}`);

const quiet = { ...console, info() {}, debug() {}, warn() {}, log() {} } as Console;
async function measure(plugin: string, tool: string) {
  const bytes = new Uint8Array(readFileSync(join(REPO, "plugins", plugin, "plugin.wasm")));
  const input = JSON.stringify({ request: { name: tool, arguments: { text: "hello" } }, context: { id: 1, _meta: {} } });
  const loads: number[] = [], firsts: number[] = [];
  for (let i = 0; i < 7; i++) {
    let t = performance.now();
    const rt = await InProcessRuntime.load(bytes, {
      name: plugin, limits: pluginLimitsSchema.parse({}), config: {}, allowedHosts: [], logger: quiet,
      hostFunctions: (imports) => userHostFunctions(imports),
    });
    loads.push(performance.now() - t);
    t = performance.now();
    await rt.run("call_tool", input);
    firsts.push(performance.now() - t);
    if (i === 6) {
      const warm: number[] = [];
      for (let j = 0; j < 3000; j++) {
        const s = performance.now();
        await rt.run("call_tool", input);
        warm.push(performance.now() - s);
      }
      rt.close();
      return { compile: loads[0]!, load: median(loads), first: median(firsts), warm: median(warm.slice(500)) };
    }
    rt.close();
  }
  throw new Error("unreachable");
}

const js = await measure("echo-js", "echo_js");
const rs = await measure("echo", "echo");
const fmt = (n: number) => `${n.toFixed(3)} ms`;
console.log(`echo_js: first load (wasm compile) ${fmt(js.compile)}, load ${fmt(js.load)}, first call ${fmt(js.first)}, warm call ${fmt(js.warm)} (first/warm x${(js.first / js.warm).toFixed(1)})`);
console.log(`echo (Rust): first load (wasm compile) ${fmt(rs.compile)}, load ${fmt(rs.load)}, first call ${fmt(rs.first)}, warm call ${fmt(rs.warm)}`);
console.log(`JS/Rust: first call x${(js.first / rs.first).toFixed(1)}, warm call x${(js.warm / rs.warm).toFixed(1)}`);
