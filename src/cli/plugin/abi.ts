/** The export sets of the two MCP plugin ABIs (docs/plugin-abi.md §2, §3), for messages that say what was expected. */
import { detectAbi, type PluginAbi } from "../../registry/abi/provider.ts";
import { PluginCliError } from "./errors.ts";

export const ABI_EXPORTS: Record<PluginAbi, { required: readonly string[]; optional: readonly string[] }> = {
  servlet: { required: ["describe", "call"], optional: [] },
  "hyper-mcp": {
    required: ["list_tools", "call_tool"],
    optional: ["list_resources", "list_resource_templates", "read_resource", "list_prompts", "get_prompt", "complete", "on_roots_list_changed"],
  },
};

const ABI_TITLE: Record<PluginAbi, string> = { servlet: "the mcp.run servlet ABI", "hyper-mcp": "the hyper-mcp ABI" };

const describeExports = (exports: readonly string[]) => (exports.length > 0 ? exports.join(", ") : "no functions");

/**
 * The ABI a module speaks, checked against the one its manifest declares (if any). Errors name the export
 * set that was expected and what the module has instead.
 */
export function requireAbi(functionExports: readonly string[], declared?: PluginAbi): PluginAbi {
  const detected = detectAbi(functionExports);
  if (declared) {
    const missing = ABI_EXPORTS[declared].required.filter((e) => !functionExports.includes(e));
    if (missing.length > 0) {
      const hint = detected && detected !== declared ? ` It looks like ${ABI_TITLE[detected]}: set "abi": "${detected}" in manifest.json, or export ${missing.join(" + ")}.` : ` Export ${missing.join(" + ")}.`;
      throw new PluginCliError(
        `manifest.json declares "abi": "${declared}", which expects the exports ${ABI_EXPORTS[declared].required.join(" + ")}; the module is missing ${missing.join(", ")} (it exports ${describeExports(functionExports)}).${hint}`,
      );
    }
    return declared;
  }
  if (!detected) {
    throw new PluginCliError(
      `the module speaks no MCP plugin ABI: expected ${ABI_TITLE.servlet} (exports ${ABI_EXPORTS.servlet.required.join(" + ")}) or ${ABI_TITLE["hyper-mcp"]} (exports ${ABI_EXPORTS["hyper-mcp"].required.join(" + ")}); it exports ${describeExports(functionExports)}. Build it with a plugin kit (mcp-sidecar plugin new) or see docs/plugin-abi.md.`,
    );
  }
  return detected;
}

/** Notes on an ABI that is present but incomplete (hyper-mcp treats missing exports as "nothing offered"). */
export function abiWarnings(abi: PluginAbi, functionExports: readonly string[]): string[] {
  return ABI_EXPORTS[abi].required
    .filter((e) => !functionExports.includes(e))
    .map((e) => (e === "call_tool" ? "no call_tool export: its tools are listed but every call fails" : `no ${e} export: it offers no tools`));
}

/** Compiles a module just to read it (no instrumentation); an invalid one is an error that says what to do. */
export function compileModule(path: string, bytes: Uint8Array): { module: WebAssembly.Module; functions: string[] } {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new PluginCliError(`${path} is not a valid WebAssembly module (${(err as Error).message}); build one with: mcp-sidecar plugin build <dir>`);
  }
  return { module, functions: WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name) };
}
