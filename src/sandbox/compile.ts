/**
 * Turns plugin bytes into a compiled, instrumented WebAssembly.Module.
 *
 * The module is rewritten before compiling (a memory maximum and fuel checkpoints, see ./instrument) because
 * Bun offers no other way to stop a wasm loop or cap guest memory. Compiling is the expensive part (tens of
 * ms for a large module), so results are cached by content hash and memory limit: a trapped instance is
 * rebuilt from the cached module in well under a millisecond, and hot reloads of unchanged bytes are free.
 */
import { instrumentModule } from "./instrument/index.ts";

export const FUEL_IMPORT = { module: "mcp-sidecar", name: "refuel", exportName: "__mcp_fuel" } as const;

export interface CompiledPlugin {
  module: WebAssembly.Module;
  exports: string[];
  imports: WebAssembly.ModuleImportDescriptor[];
  usesWasi: boolean;
  instrumentMs: number;
  compileMs: number;
}

const cache = new Map<string, Promise<CompiledPlugin>>();
const MAX_CACHE_ENTRIES = 256;

export function compilePlugin(bytes: Uint8Array, maxMemoryPages: number): Promise<CompiledPlugin> {
  const key = `${Bun.hash(bytes).toString(16)}:${bytes.byteLength}:${maxMemoryPages}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = doCompile(bytes, maxMemoryPages);
    entry.catch(() => cache.delete(key)); // a failure is reported, not remembered
    if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }
  return entry;
}

async function doCompile(bytes: Uint8Array, maxMemoryPages: number): Promise<CompiledPlugin> {
  const t0 = performance.now();
  // "functions": the counter stays a private global behind get/set exports; an exported mutable global
  // measured ~1.5x slower on loop-heavy guests in Bun (src/sandbox/instrument/README.md).
  const { bytes: rewritten } = instrumentModule(bytes, { maxMemoryPages, fuel: FUEL_IMPORT, fuelExport: "functions" });
  const t1 = performance.now();
  const module = await WebAssembly.compile(rewritten as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module);
  return {
    module,
    exports: WebAssembly.Module.exports(module)
      .filter((e) => e.kind === "function")
      .map((e) => e.name),
    imports,
    usesWasi: imports.some((i) => i.module === "wasi_snapshot_preview1"),
    instrumentMs: t1 - t0,
    compileMs: performance.now() - t1,
  };
}
