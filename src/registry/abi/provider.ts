/**
 * A sandboxed plugin seen as an MCP server, whichever of the two plugin ABIs it speaks
 * (docs/plugin-abi.md): mcp.run servlets (`describe`, `call`) or hyper-mcp plugins (`list_tools`,
 * `call_tool`, resources, prompts, completion).
 */
import type {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { RiskLevel } from "../../pipeline/types.ts";
import { SandboxError } from "../../sandbox/errors.ts";
import type { PluginRuntime } from "../../sandbox/runtime.ts";
import type { CompleteParams, McpProvider, PluginOffer, RequestScope } from "../types.ts";
import type { HostBridge } from "./host-functions.ts";

export type PluginAbi = "servlet" | "hyper-mcp";

const DECODER = new TextDecoder();

/** mcp.run servlets export both `describe` and `call`; anything else is treated as hyper-mcp. */
export function detectAbi(exports: readonly string[]): PluginAbi | null {
  if (exports.includes("describe") && exports.includes("call")) return "servlet";
  if (exports.includes("list_tools") || exports.includes("call_tool")) return "hyper-mcp";
  return null;
}

type Notifier = Pick<HostBridge, "notifyListChanged" | "notifyResourceUpdated">;

export class PluginProvider implements McpProvider {
  constructor(
    readonly pluginName: string,
    readonly risk: RiskLevel,
    readonly tags: readonly string[],
    readonly abi: PluginAbi,
    readonly runtime: PluginRuntime,
    private readonly notifier: Notifier,
  ) {}

  /** Asks the plugin what it offers; done once at load, then served from memory. */
  async describe(): Promise<PluginOffer> {
    if (this.abi === "servlet") {
      const listed = await this.invoke<{ tools?: unknown }>("describe", "", undefined);
      return { tools: arrayField<Tool>(listed, "tools", "describe"), resources: [], resourceTemplates: [], prompts: [] };
    }
    const context = JSON.stringify({ context: { _meta: {} } });
    const optional = async <T>(fn: string, field: string): Promise<T[]> =>
      this.runtime.exports.includes(fn) ? arrayField<T>(await this.invoke<Record<string, unknown>>(fn, context, undefined), field, fn) : [];
    return {
      tools: await optional<Tool>("list_tools", "tools"),
      resources: await optional<Resource>("list_resources", "resources"),
      resourceTemplates: await optional<ResourceTemplate>("list_resource_templates", "resourceTemplates"),
      prompts: await optional<Prompt>("list_prompts", "prompts"),
    };
  }

  async callTool(name: string, args: Record<string, unknown> | undefined, scope: RequestScope): Promise<CallToolResult> {
    const result =
      this.abi === "servlet"
        ? await this.invoke<CallToolResult>("call", JSON.stringify({ params: { name, arguments: args ?? {} } }), scope)
        : await this.invoke<CallToolResult>("call_tool", JSON.stringify({ request: { name, arguments: args ?? {} }, context: contextOf(scope) }), scope);
    if (!Array.isArray(result.content)) {
      throw new SandboxError("plugin_error", 'the plugin returned a tool result without a "content" array');
    }
    return result;
  }

  readResource(uri: string, scope: RequestScope): Promise<ReadResourceResult> {
    return this.invoke("read_resource", JSON.stringify({ request: { uri }, context: contextOf(scope) }), scope, "resources");
  }

  getPrompt(name: string, args: Record<string, string> | undefined, scope: RequestScope): Promise<GetPromptResult> {
    return this.invoke("get_prompt", JSON.stringify({ request: { name, arguments: args ?? {} }, context: contextOf(scope) }), scope, "prompts");
  }

  complete(params: CompleteParams, scope: RequestScope): Promise<CompleteResult> {
    // hyper-mcp hands plugins "prompt"/"resource", not MCP's "ref/prompt"/"ref/resource".
    const ref = { ...params.ref, type: params.ref.type.replace(/^ref\//, "") };
    return this.invoke("complete", JSON.stringify({ request: { ...params, ref }, context: contextOf(scope) }), scope, "completion");
  }

  private async invoke<T>(fn: string, input: string, scope: RequestScope | undefined, feature?: string): Promise<T> {
    if (feature && !this.runtime.exports.includes(fn)) {
      throw new SandboxError("plugin_error", `plugin "${this.pluginName}" does not serve ${feature} (no "${fn}" export)`);
    }
    const bridge: HostBridge = { pluginName: this.pluginName, scope, ...this.notifier };
    const { output, fuelUsed } = await this.runtime.run(fn, input, { signal: scope?.signal, bridge });
    if (scope?.usage) scope.usage.fuelUsed += fuelUsed;
    const text = output ? DECODER.decode(output) : "";
    try {
      const value = JSON.parse(text);
      if (typeof value === "object" && value !== null) return value as T;
    } catch {
      // reported below
    }
    throw new SandboxError("plugin_error", `the plugin's "${fn}" returned ${text ? "output that is not a JSON object" : "no output"}`);
  }
}

function contextOf(scope: RequestScope): { id: string | number; _meta: Record<string, unknown> } {
  return { id: scope.requestId, _meta: scope.meta ?? {} };
}

function arrayField<T>(value: Record<string, unknown>, field: string, fn: string): T[] {
  const items = value[field];
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw new Error(`"${fn}" returned "${field}" that is not an array`);
  return items as T[];
}
