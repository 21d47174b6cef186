/**
 * Builds the JS engine (QuickJS + glue.c + extism.c, wasm32-wasi) with Debian's clang 16 and wasi-libc, once: the result is
 * cached under a key hashing every source byte, every flag and the compiler's version, so later plugin builds
 * only run wizer. The build is deterministic (relative paths, -ffile-prefix-map, no debug info, NDEBUG), so the
 * same key gives the same bytes on any machine with the same clang — check-reproducible.sh relies on that.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { requireClang, WASI_LIBDIR } from "../compiler/toolchain.ts";

const ENGINE_DIR = import.meta.dir;
const QUICKJS_VERSION = "2021-03-27";

/** QuickJS's own translation units (no quickjs-libc: a plugin gets no files, no OS). */
const QUICKJS_UNITS = ["quickjs.c", "libregexp.c", "libunicode.c", "cutils.c"];
/** Ours: the Extism ABI side (extism.c) and QuickJS's embedding (glue.c). */
const GLUE_UNITS = ["glue.c", "extism.c"];
const GLUE_FILES = [...GLUE_UNITS, "extism.h"];

const COMMON_FLAGS = ["--target=wasm32-wasi", "-O2", "-DNDEBUG"];
/**
 * Why each QuickJS define:
 * - EMSCRIPTEN: its "no OS threads" configuration (no Atomics/pthreads; malloc_usable_size from libc);
 *   CONFIG_STACK_CHECK turns the stack limit back on, so deep recursion is a RangeError, not a crash.
 * - FE_DOWNWARD/FE_UPWARD: wasm has only round-to-nearest; fesetround with these fails and is a no-op.
 * - gettimeofday -> sidecar_gettimeofday (glue.c): the clock reads the epoch while wizer snapshots.
 */
const QUICKJS_FLAGS = [
  "-D_GNU_SOURCE",
  `-DCONFIG_VERSION="${QUICKJS_VERSION}"`,
  "-DEMSCRIPTEN",
  "-DCONFIG_STACK_CHECK",
  "-DFE_DOWNWARD=0x400",
  "-DFE_UPWARD=0x800",
  "-Dgettimeofday=sidecar_gettimeofday",
  "-Wno-implicit-const-int-float-conversion",
];
/** wasm-ld, as clang would run it minus crt1 (no entry point: the host would call `_initialize` again after
 *  wizer); the shadow stack first, so an overflow past it traps instead of overwriting data; 1 MiB of it for
 *  QuickJS's recursive evaluator. */
const LINK_FLAGS = ["-m", "wasm32", `-L${WASI_LIBDIR}`, "--no-entry", "--stack-first", "-z", "stack-size=1048576", "--strip-debug"];

export interface EngineBuild {
  /** Path of the engine module (before wizer). */
  path: string;
  /** True when it came from the cache. */
  cached: boolean;
}

/** Where engines are cached unless a caller says otherwise. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "mcp-sidecar", "plugins-js");
}

/** The QuickJS sources carried by the npm package `qjsc`. */
export function quickjsSourceDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("qjsc/package.json");
  } catch {
    throw new Error("the QuickJS sources are missing: run `npm install` (the qjsc package carries them)");
  }
  const dir = join(dirname(pkg), "deps", `quickjs_${QUICKJS_VERSION.replaceAll("-", "_")}`);
  if (!existsSync(join(dir, "quickjs.c"))) throw new Error(`qjsc does not carry QuickJS ${QUICKJS_VERSION} at ${dir}: run \`npm install\``);
  return dir;
}

/** Every input of the build, by the relative name it is compiled under. */
function inputs(): Map<string, string> {
  const files = new Map<string, string>();
  const qjs = quickjsSourceDir();
  for (const name of readdirSync(qjs).sort()) {
    if (name.endsWith(".h") || QUICKJS_UNITS.includes(name)) files.set(name, join(qjs, name));
  }
  for (const name of GLUE_FILES) files.set(name, join(ENGINE_DIR, name));
  return files;
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`engine build failed: ${cmd.join(" ")}\n${err}`);
}

/** Returns the cached engine for the current sources and flags, building it first if needed. */
export async function ensureEngine(cacheDir = defaultCacheDir()): Promise<EngineBuild> {
  const clang = await requireClang();
  const files = inputs();
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ clang: clang.version, COMMON_FLAGS, QUICKJS_FLAGS, LINK_FLAGS }));
  for (const [name, path] of files) hash.update(`\0${name}\0`).update(readFileSync(path));
  const key = hash.digest("hex").slice(0, 24);
  const path = join(cacheDir, `engine-${key}.wasm`);
  if (existsSync(path)) return { path, cached: true };

  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, "build-"));
  try {
    for (const [name, src] of files) copyFileSync(src, join(work, name));
    // Compile units in parallel (quickjs.c dominates, ~15 s); relative names keep paths out of the bytes.
    const units = [...QUICKJS_UNITS.map((u) => [u, QUICKJS_FLAGS] as const), ...GLUE_UNITS.map((u) => [u, []] as const)];
    await Promise.all(units.map(([unit, flags]) => run([clang.path, ...COMMON_FLAGS, ...flags, "-c", unit, "-o", `${unit}.o`], work)));
    await run([clang.wasmLd, ...LINK_FLAGS, ...units.map(([u]) => `${u}.o`), "-lc", clang.builtins, "-o", "engine.wasm"], work);
    renameSync(join(work, "engine.wasm"), path); // atomic: a concurrent build sees a whole file or none
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { path, cached: false };
}

/** The wizer preload stubs that stand in for the Extism imports during pre-initialisation. */
export const WIZER_STUBS = {
  "extism:host/env": join(ENGINE_DIR, "env-stubs.wat"),
  "extism:host/user": join(ENGINE_DIR, "user-stubs.wat"),
} as const;

export const PRELUDE_PATH = join(ENGINE_DIR, "prelude.js");
