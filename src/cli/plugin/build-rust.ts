/**
 * Builds a scaffolded Rust plugin with Debian's toolchain, offline and byte-reproducibly.
 *
 * Cargo's target directory is a cache shared by every plugin this user builds (never the plugin folder,
 * which is what gets copied into plugins/): serde and serde_json compile once (~30 s) and later builds take
 * seconds. Sharing works because the flags are the same for every plugin: the plugin's own sources and its
 * vendored pdk/ are workspace members, which rustc sees by relative path, so no per-folder
 * --remap-path-prefix is needed (one would change RUSTFLAGS per folder and rebuild everything each time).
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PluginCliError } from "./errors.ts";
import { requireRustToolchain, RUST, type ToolchainProbe } from "./toolchain.ts";

export interface RustBuildOptions {
  dir: string;
  out: string;
  cacheDir: string;
  env: Record<string, string | undefined>;
  /** cargo's progress and compiler messages. */
  err: (text: string) => void;
  probe?: ToolchainProbe;
}

export function cratePackageName(cargoToml: string): string {
  const pkg = cargoToml.split(/^\[/m).find((section) => section.startsWith("package]"));
  const name = pkg?.match(/^name\s*=\s*"([^"]+)"/m)?.[1];
  if (!name) throw new PluginCliError('Cargo.toml has no [package] name: the plugin crate needs one (see "mcp-sidecar plugin new --lang rust")', 2);
  return name;
}

export async function buildRustPlugin(opts: RustBuildOptions): Promise<void> {
  requireRustToolchain(opts.probe);
  const crate = cratePackageName(readFileSync(join(opts.dir, "Cargo.toml"), "utf8"));
  if (!readFileSync(join(opts.dir, "Cargo.toml"), "utf8").includes("cdylib")) {
    throw new PluginCliError('Cargo.toml must build a cdylib (add [lib] crate-type = ["cdylib"]): only a cdylib exports the plugin functions', 2);
  }
  const targetDir = join(opts.cacheDir, "cargo-target");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  // Flags from the caller's environment would change the bytes (and miss the shared cache).
  for (const k of ["CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_BUILD_TARGET_DIR", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"]) delete env[k];
  Object.assign(env, {
    RUSTC: RUST.rustc,
    CARGO_TARGET_DIR: targetDir,
    RUSTFLAGS: `--remap-path-prefix=${RUST.registry}=/registry -C debuginfo=0 -C strip=symbols`,
  });
  const child = Bun.spawn([RUST.cargo, "build", "--release", "--target", "wasm32-unknown-unknown"], { cwd: opts.dir, env, stdout: "pipe", stderr: "pipe" });
  const forward = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) opts.err(decoder.decode(chunk, { stream: true }));
  };
  await Promise.all([forward(child.stdout), forward(child.stderr)]);
  const code = await child.exited;
  if (code !== 0) throw new PluginCliError(`cargo build failed (exit ${code}); the compiler's messages are above`);
  const artifact = join(targetDir, "wasm32-unknown-unknown", "release", `${crate.replace(/-/g, "_")}.wasm`);
  if (!existsSync(artifact)) throw new PluginCliError(`cargo built no ${artifact}: is the crate a cdylib named "${crate}"?`);
  copyFileSync(artifact, opts.out);
}
