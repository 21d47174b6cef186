/**
 * Finds the build tools of the JS plugin route and, when one is missing, fails with the exact command that
 * installs it: clang 16 + lld + wasi-libc + the wasm32 compiler-rt (Debian) for the engine, wizer (npm) for
 * every plugin build.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const APT_LINE = "apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32";

export interface Clang {
  path: string;
  /** The linker, run directly: through the clang driver, -O2 would also run any `wasm-opt` on PATH
   *  (binaryen from some npm package), making the engine's bytes depend on the PATH. */
  wasmLd: string;
  /** compiler-rt builtins for wasm32 (linked after libc). */
  builtins: string;
  /** `clang --version`'s first line: part of the engine cache key. */
  version: string;
}

/** What the engine build needs from Debian besides clang itself (paths as those packages install them). */
const WASM_LD = "/usr/lib/llvm-16/bin/wasm-ld";
const BUILTINS = "/usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a";
export const WASI_LIBDIR = "/usr/lib/wasm32-wasi";
const REQUIRED_FILES: Array<[string, string]> = [
  [WASM_LD, "lld-16"],
  ["/usr/lib/wasm32-wasi/libc.a", "wasi-libc"],
  [BUILTINS, "libclang-rt-16-dev-wasm32"],
];

let clangFound: Clang | undefined;

export async function requireClang(): Promise<Clang> {
  if (clangFound) return clangFound;
  const path = Bun.which("clang-16");
  const missing = REQUIRED_FILES.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  if (!path) missing.unshift("clang-16");
  if (missing.length) {
    throw new Error(`building the JS plugin engine needs ${missing.join(", ")} (Debian 12). Install them with:\n  sudo ${APT_LINE}`);
  }
  const proc = Bun.spawnSync([path!, "--version"]);
  const version = proc.stdout.toString().split("\n")[0]!.trim();
  clangFound = { path: path!, wasmLd: WASM_LD, builtins: BUILTINS, version };
  return clangFound;
}

/**
 * The wizer binary from its per-platform npm package. package.json pins @bytecodealliance/wizer-linux-x64
 * directly (as an optional dependency): the wrapper package @bytecodealliance/wizer 11.0.3 lists platform
 * packages that were never published at that version, which makes `npm ci` refuse the lock file.
 */
export function requireWizer(): string {
  const platformPkg = `@bytecodealliance/wizer-${process.platform}-${process.arch}`;
  try {
    const dir = dirname(createRequire(import.meta.url).resolve(`${platformPkg}/package.json`));
    const bin = join(dir, process.platform === "win32" ? "wizer.exe" : "wizer");
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the install hint
  }
  throw new Error(`wizer (${platformPkg}) is not installed: run \`npm install --save-optional --save-exact ${platformPkg}@11.0.3\` in mcp-sidecar (only linux-x64 is pinned; wizer 11.0.3 is published for no other platform)`);
}
