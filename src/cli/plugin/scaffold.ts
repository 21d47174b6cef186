/**
 * `mcp-sidecar plugin new <name> --lang rust|js|as`: writes a plugin folder from templates/<lang>/ — a
 * manifest, the tool's source, a README and tests.json — ready for `plugin build` and `plugin test`.
 *
 * Template files end in `.tmpl` (so neither tsc nor cargo mistakes them for this repository's code) and a
 * leading `dot-` stands for `.` (`dot-cargo/` → `.cargo/`); `{{name}}` and `{{tool}}` are substituted.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { PluginCliError } from "./errors.ts";
import type { PluginLanguage } from "./toolchain.ts";

export const LANGUAGES: readonly PluginLanguage[] = ["rust", "js", "as"];
const TEMPLATES = join(import.meta.dir, "templates");
/** This installation's root: the Rust binding crate is copied from its plugins-rs/pdk. */
export const INSTALL_ROOT = resolve(import.meta.dir, "..", "..", "..");

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export interface ScaffoldOptions {
  name: string;
  lang: string;
  /** The folder to create; default ./<name>. */
  dir?: string;
  cwd: string;
}

export function parseLanguage(lang: string | undefined): PluginLanguage {
  const aliases: Record<string, PluginLanguage> = { rust: "rust", rs: "rust", js: "js", javascript: "js", as: "as", assemblyscript: "as" };
  const found = lang ? aliases[lang.toLowerCase()] : undefined;
  if (!found) throw new PluginCliError(`${lang ? `unknown language "${lang}"` : "missing --lang"}: use --lang rust, --lang js or --lang as`, 2);
  return found;
}

function renderTree(from: string, to: string, vars: Record<string, string>, written: string[]): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const target = join(to, entry.name.replace(/^dot-/, ".").replace(/\.tmpl$/, ""));
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      renderTree(join(from, entry.name), target, vars, written);
    } else {
      const text = readFileSync(join(from, entry.name), "utf8").replace(/\{\{(\w+)\}\}/g, (all, key: string) => vars[key] ?? all);
      writeFileSync(target, text);
      written.push(target);
    }
  }
}

/** Creates the plugin folder; returns it and the files written (relative to it). */
export function scaffoldPlugin(opts: ScaffoldOptions): { dir: string; lang: PluginLanguage; files: string[] } {
  if (!NAME.test(opts.name)) {
    throw new PluginCliError(
      `invalid plugin name "${opts.name}": use 1-64 lowercase letters, digits, "-" or "_", starting with a letter (it names the folder, the manifest, the tool and, in Rust, the crate)`,
      2,
    );
  }
  const lang = parseLanguage(opts.lang);
  const dir = resolve(opts.cwd, opts.dir ?? opts.name);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new PluginCliError(`${dir} already exists and is not empty: choose another name or --dir`, 2);
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  renderTree(join(TEMPLATES, lang), dir, { name: opts.name, tool: opts.name }, written);
  if (lang === "rust") {
    // A vendored copy rather than a path into this installation: the folder then builds anywhere (moved,
    // another machine, CI), and its bytes do not change when this installation's PDK does.
    const pdk = join(INSTALL_ROOT, "plugins-rs", "pdk");
    cpSync(join(pdk, "Cargo.toml"), join(dir, "pdk", "Cargo.toml"));
    cpSync(join(pdk, "src"), join(dir, "pdk", "src"), { recursive: true });
    for (const file of readdirSync(join(dir, "pdk", "src"))) written.push(join(dir, "pdk", "src", file));
    written.push(join(dir, "pdk", "Cargo.toml"));
  }
  return { dir, lang, files: written.map((f) => relative(dir, f)).sort() };
}
