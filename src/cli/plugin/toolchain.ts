/**
 * The offline Rust toolchain `plugin build` uses, and the exact Debian packages that provide it. A missing
 * tool is reported with the apt-get line that installs it, since nothing can be fetched any other way here.
 */
import { existsSync } from "node:fs";
import { PluginCliError } from "./errors.ts";

export type PluginLanguage = "rust" | "js" | "as";

/** JavaScript's (clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32) is checked by plugins-js/compiler itself. */
export const RUST_APT_LINE = "apt-get install -y rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev librust-serde-derive-dev";

/** Debian's rustc: the only one here with a wasm32 standard library, and the one the bytes are pinned to. */
export const RUST = {
  rustc: "/usr/bin/rustc",
  cargo: "/usr/bin/cargo",
  wasmStd: "/usr/lib/rustlib/wasm32-unknown-unknown",
  registry: "/usr/share/cargo/registry",
  version: "rustc 1.63.0",
} as const;

export interface ToolchainProbe {
  exists(path: string): boolean;
  rustcVersion(): string | null;
  registryHas(prefix: string): boolean;
}

export const systemProbe: ToolchainProbe = {
  exists: existsSync,
  rustcVersion() {
    const run = Bun.spawnSync([RUST.rustc, "--version"], { stdout: "pipe", stderr: "ignore" });
    return run.exitCode === 0 ? run.stdout.toString().trim() : null;
  },
  registryHas(prefix) {
    const entries = Bun.spawnSync(["ls", RUST.registry], { stdout: "pipe", stderr: "ignore" }).stdout.toString().split("\n");
    return entries.some((e) => e.startsWith(prefix));
  },
};

/** Throws with the apt-get line when any part of the Rust wasm toolchain is missing or not Debian's. */
export function requireRustToolchain(probe: ToolchainProbe = systemProbe): void {
  const missing: string[] = [];
  if (!probe.exists(RUST.rustc)) missing.push(`${RUST.rustc} (package rustc)`);
  if (!probe.exists(RUST.cargo)) missing.push(`${RUST.cargo} (package cargo)`);
  if (!probe.exists(RUST.wasmStd)) missing.push(`the wasm32 standard library ${RUST.wasmStd} (package libstd-rust-dev-wasm32)`);
  if (!probe.registryHas("serde_json-")) missing.push(`serde_json in ${RUST.registry} (package librust-serde-json-dev)`);
  if (!probe.registryHas("serde_derive-")) missing.push(`serde_derive in ${RUST.registry} (package librust-serde-derive-dev)`);
  if (missing.length > 0) {
    throw new PluginCliError(`the Rust wasm toolchain is incomplete: missing ${missing.join("; ")}.\n  Install it with: sudo ${RUST_APT_LINE}`);
  }
  const version = probe.rustcVersion();
  if (!version?.startsWith(RUST.version)) {
    throw new PluginCliError(
      `${RUST.rustc} is "${version ?? "not runnable"}", but plugins build with Debian's ${RUST.version} (its wasm32 library and the reproducible bytes depend on it).\n  Install it with: sudo ${RUST_APT_LINE}`,
    );
  }
}

