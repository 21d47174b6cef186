import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { manifestSchema } from "../../registry/manifest.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import { runPluginCli } from "./testkit.ts";
import { requireRustToolchain, RUST, type ToolchainProbe } from "./toolchain.ts";
import { parseTestCases } from "./test-cases.ts";
import { INSTALL_ROOT } from "./scaffold.ts";

const temp = tempFolders();

const SOURCES = { rust: "src/lib.rs", js: "index.js", as: "assembly/index.ts" } as const;

describe("plugin new", () => {
  for (const lang of ["rust", "js", "as"] as const) {
    test(`--lang ${lang}: a manifest the gateway accepts, the source, a README and runnable test cases`, async () => {
      const cwd = temp.make(`new-${lang}-`);
      const { code, out } = await runPluginCli(["new", "weather-now", "--lang", lang], { cwd });
      expect(code).toBe(0);
      const dir = join(cwd, "weather-now");
      expect(out).toContain(`created ${dir} (${lang})`);
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
      expect(manifest).toMatchObject({ name: "weather-now", wasm: "plugin.wasm", abi: "hyper-mcp" });
      const source = readFileSync(join(dir, SOURCES[lang]), "utf8");
      expect(source).toContain('"weather-now"');
      expect(source).not.toContain("{{");
      expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("# weather-now");
      const cases = parseTestCases(readFileSync(join(dir, "tests.json"), "utf8"), "tests.json");
      expect(cases.every((c) => c.tool === "weather-now")).toBe(true);
    });
  }

  test("--lang rust: a standalone, offline crate with a reproducible release profile and its own copy of the PDK", async () => {
    const cwd = temp.make("new-rust-crate-");
    await runPluginCli(["new", "adder", "--lang", "rust"], { cwd });
    const dir = join(cwd, "adder");
    const cargo = readFileSync(join(dir, "Cargo.toml"), "utf8");
    expect(cargo).toContain('name = "adder"');
    expect(cargo).toMatch(/^\[workspace\]$/m);
    expect(cargo).toContain("codegen-units = 1");
    expect(cargo).toContain('mcp-sidecar-pdk = { path = "pdk" }');
    const config = readFileSync(join(dir, ".cargo", "config.toml"), "utf8");
    expect(config).toContain(`directory = "${RUST.registry}"`);
    expect(config).toContain("offline = true");
    expect(existsSync(join(dir, "pdk", "src", "lib.rs"))).toBe(true);
    expect(readFileSync(join(dir, "pdk", "Cargo.toml"), "utf8")).toContain('name = "mcp-sidecar-pdk"');
  });

  test("--dir puts the plugin elsewhere", async () => {
    const cwd = temp.make("new-dir-");
    const { code } = await runPluginCli(["new", "x1", "--lang", "as", "--dir", "nested/place"], { cwd });
    expect(code).toBe(0);
    expect(existsSync(join(cwd, "nested", "place", "manifest.json"))).toBe(true);
  });

  test("bad names, languages and targets are refused with what to do", async () => {
    const cwd = temp.make("new-bad-");
    const badName = await runPluginCli(["new", "../escape", "--lang", "rust"], { cwd });
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('invalid plugin name "../escape"');
    expect(existsSync(join(cwd, "..", "escape"))).toBe(false);
    const badLang = await runPluginCli(["new", "ok", "--lang", "cobol"], { cwd });
    expect(badLang.err).toContain('unknown language "cobol": use --lang rust, --lang js or --lang as');
    const noLang = await runPluginCli(["new", "ok"], { cwd });
    expect(noLang.err).toContain("missing --lang");
    mkdirSync(join(cwd, "taken"));
    writeFileSync(join(cwd, "taken", "keep.txt"), "mine");
    const taken = await runPluginCli(["new", "taken", "--lang", "as"], { cwd });
    expect(taken.code).toBe(2);
    expect(taken.err).toContain("already exists and is not empty");
    expect(readFileSync(join(cwd, "taken", "keep.txt"), "utf8")).toBe("mine");
    const misplaced = await runPluginCli(["build", "--lang", "rust"], { cwd });
    expect(misplaced.err).toContain("--lang belongs to plugin new");
  });
});

describe("plugin build: errors that say what to do", () => {
  test("a folder without a manifest, or in no known language", async () => {
    const cwd = temp.make("build-bad-");
    const none = await runPluginCli(["build", "."], { cwd });
    expect(none.code).toBe(2);
    expect(none.err).toContain("manifest.json is missing");
    writeFileSync(join(cwd, "manifest.json"), JSON.stringify({ name: "mystery" }));
    writeFileSync(join(cwd, "main.py"), "print('hi')");
    const unknown = await runPluginCli(["build"], { cwd });
    expect(unknown.err).toContain("expected Cargo.toml (Rust), assembly/index.ts (AssemblyScript) or index.js / index.ts (JavaScript)");
  });

  test("a missing Rust toolchain names the exact apt-get line", () => {
    const probe: ToolchainProbe = { exists: (p) => p !== RUST.wasmStd, rustcVersion: () => "rustc 1.63.0", registryHas: () => true };
    expect(() => requireRustToolchain(probe)).toThrow(
      "sudo apt-get install -y rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev librust-serde-derive-dev",
    );
    expect(() => requireRustToolchain(probe)).toThrow("libstd-rust-dev-wasm32");
  });

  test("a rustc that is not Debian's 1.63 is refused (the bytes depend on it)", () => {
    const probe: ToolchainProbe = { exists: () => true, rustcVersion: () => "rustc 1.80.0 (rustup)", registryHas: () => true };
    expect(() => requireRustToolchain(probe)).toThrow('is "rustc 1.80.0 (rustup)", but plugins build with Debian\'s rustc 1.63.0');
  });

  test("through the CLI: a Rust folder on a machine without the toolchain fails before cargo runs", async () => {
    const cwd = temp.make("build-notool-");
    await runPluginCli(["new", "lonely", "--lang", "rust"], { cwd });
    const probe: ToolchainProbe = { exists: () => false, rustcVersion: () => null, registryHas: () => false };
    const { code, err } = await runPluginCli(["build", "lonely"], { cwd, probe });
    expect(code).toBe(1);
    expect(err).toContain("the Rust wasm toolchain is incomplete");
    expect(err).toContain("apt-get install -y rustc cargo");
    expect(existsSync(join(cwd, "lonely", "plugin.wasm"))).toBe(false);
  });

  test("a JavaScript build on a machine without clang (and no cached engine) names the exact apt-get line", async () => {
    const cwd = temp.make("build-noclang-");
    await runPluginCli(["new", "webby", "--lang", "js"], { cwd });
    // A real subprocess: the compiler looks clang up on the process's own PATH, which is emptied here.
    const child = Bun.spawn([process.execPath, join(INSTALL_ROOT, "src", "main.ts"), "plugin", "build", "webby"], {
      cwd,
      env: { PATH: "/nonexistent", HOME: cwd, MCP_SIDECAR_CACHE_DIR: join(cwd, "empty-cache") },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, err] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(1);
    expect(err).toContain("sudo apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32");
    expect(existsSync(join(cwd, "webby", "plugin.wasm"))).toBe(false);
  });
});
