/**
 * `mcp-sidecar plugin inspect <file.wasm>`: what a module exports and imports, which MCP plugin ABI it
 * speaks, the tools (resources, prompts) it declares when run in the real sandbox, and the host
 * capabilities its imports imply. A manifest.json beside the module that points at it is used for the
 * listing (config, limits), exactly as the gateway would.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PluginAbi } from "../../registry/abi/provider.ts";
import { MANIFEST_FILE } from "../../registry/loader.ts";
import { manifestSchema } from "../../registry/manifest.ts";
import { abiWarnings, compileModule, requireAbi } from "./abi.ts";
import { capabilitiesOf, type CapabilityNeed } from "./capabilities.ts";
import { PluginCliError } from "./errors.ts";
import { openModule, openPluginFolder, type SandboxIo } from "./sandbox.ts";

export interface InspectReport {
  file: string;
  bytes: number;
  sha256: string;
  abi: PluginAbi;
  /** The manifest used for the listing, when one beside the module names it. */
  manifest: string | null;
  exports: { name: string; kind: string }[];
  imports: { module: string; name: string; kind: string }[];
  tools: { name: string; description?: string }[];
  resources: string[];
  resourceTemplates: string[];
  prompts: string[];
  capabilities: CapabilityNeed[];
  warnings: string[];
}

/** The manifest beside the module, if it describes this very file. */
function manifestFor(wasmPath: string): { dir: string; path: string; abi?: PluginAbi } | null {
  const dir = dirname(wasmPath);
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null; // not ours to judge here: the module is inspected on its own
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success || resolve(dir, parsed.data.wasm) !== wasmPath) return null;
  return { dir, path, abi: parsed.data.abi };
}

/** `file` is shown as given; relative to `cwd`. */
export async function inspectPlugin(file: string, io: SandboxIo, cwd = process.cwd()): Promise<InspectReport> {
  const path = resolve(cwd, file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new PluginCliError(`no such file: ${file}`, 2);
  const bytes = new Uint8Array(readFileSync(path));
  const { module, functions } = compileModule(file, bytes);
  const exports = WebAssembly.Module.exports(module).map(({ name, kind }) => ({ name, kind }));
  const imports = WebAssembly.Module.imports(module).map(({ module: m, name, kind }) => ({ module: m, name, kind }));
  const manifest = manifestFor(path);
  const abi = requireAbi(functions, manifest?.abi);

  using plugin = manifest ? await openPluginFolder(manifest.dir, io) : await openModule(path, io);
  const offer = plugin.offer;
  return {
    file,
    bytes: bytes.byteLength,
    sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex"),
    abi,
    manifest: manifest?.path ?? null,
    exports,
    imports,
    tools: offer.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) })),
    resources: offer.resources.map((r) => r.uri),
    resourceTemplates: offer.resourceTemplates.map((r) => r.uriTemplate),
    prompts: offer.prompts.map((p) => p.name),
    capabilities: capabilitiesOf(imports),
    warnings: abiWarnings(abi, functions),
  };
}

/** The human-readable form of a report (`--json` prints the report itself). */
export function formatInspectReport(r: InspectReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(12)}${value}`.trimEnd());
  row("module", `${r.file}  (${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}…)`);
  row("ABI", r.abi === "servlet" ? "mcp.run servlet (describe, call)" : "hyper-mcp (list_tools, call_tool, …)");
  if (r.manifest) row("manifest", r.manifest);
  row("tools", r.tools.length === 0 ? "none" : "");
  for (const t of r.tools) lines.push(`  ${t.name}${t.description ? ` — ${t.description}` : ""}`);
  if (r.resources.length + r.resourceTemplates.length > 0) row("resources", [...r.resources, ...r.resourceTemplates].join(", "));
  if (r.prompts.length > 0) row("prompts", r.prompts.join(", "));
  row("exports", r.exports.map((e) => (e.kind === "function" ? e.name : `${e.name} (${e.kind})`)).join(", ") || "none");
  const byModule = new Map<string, string[]>();
  for (const i of r.imports) byModule.set(i.module, [...(byModule.get(i.module) ?? []), i.name]);
  row("imports", byModule.size === 0 ? "none" : "");
  for (const [module, names] of byModule) lines.push(`  ${module}: ${names.join(", ")}`);
  row("needs", r.capabilities.length === 0 ? "no host capabilities (pure computation)" : "");
  for (const c of r.capabilities) lines.push(`  ${c.id}: ${c.what}\n      needs: ${c.needs}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}
