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
import type { PluginRuntime, RunResult } from "../../sandbox/runtime.ts";
import type { CompleteParams, McpProvider, PluginOffer, RequestScope } from "../types.ts";
import type { HostBridge } from "./host-functions.ts";
import type { TenantPluginSettings } from "../../config/tenants.ts";

export type PluginAbi = "servlet" | "hyper-mcp";

const DECODER = new TextDecoder();

/** mcp.run servlets export both `describe` and `call`; anything else is treated as hyper-mcp. */
export function detectAbi(exports: readonly string[]): PluginAbi | null {
  if (exports.includes("describe") && exports.includes("call")) return "servlet";
  if (exports.includes("list_tools") || exports.includes("call_tool")) return "hyper-mcp";
  return null;
}

type Notifier = Pick<HostBridge, "notifyListChanged" | "notifyResourceUpdated">;

/** The operator's per-tenant values and limits for plugins (src/config/tenants.ts `TenantPlugins`). */
export interface TenantSettingsLookup {
  get(tenant: string, plugin: string): TenantPluginSettings | undefined;
}

export class PluginProvider implements McpProvider {
  constructor(
    readonly pluginName: string,
    readonly risk: RiskLevel,
    readonly tags: readonly string[],
    readonly abi: PluginAbi,
    readonly runtime: PluginRuntime,
    private readonly notifier: Notifier,
    private readonly tenants?: TenantSettingsLookup,
  ) {}

  /** Calls running per tenant, for tenants whose settings cap their concurrency. */
  private readonly running = new Map<string, number>();

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

  /**
   * The tool's result, as a plain value when the plugin call finished without waiting (the usual call; see
   * InProcessRuntime.run), else a promise. Failures always reject.
   */
  callTool(name: string, args: Record<string, unknown> | undefined, scope: RequestScope): CallToolResult | Promise<CallToolResult> {
    const fn = this.abi === "servlet" ? "call" : "call_tool";
    const input =
      this.abi === "servlet"
        ? JSON.stringify({ params: { name, arguments: args ?? {} } })
        : JSON.stringify({ request: { name, arguments: args ?? {} }, context: contextOf(scope) });
    const run = this.start(fn, input, scope);
    if (run instanceof Promise) return run.then((r) => toolResult(this.decode<CallToolResult>(fn, r, scope)));
    try {
      return toolResult(this.decode<CallToolResult>(fn, run, scope));
    } catch (err) {
      return Promise.reject(err);
    }
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
    return this.decode<T>(fn, await this.start(fn, input, scope, feature), scope);
  }

  /** Runs `fn` under the caller tenant's share of the pool; failures always reject. */
  private start(fn: string, input: string, scope: RequestScope | undefined, feature?: string): RunResult | Promise<RunResult> {
    if (feature && !this.runtime.exports.includes(fn)) {
      return Promise.reject(new SandboxError("plugin_error", `plugin "${this.pluginName}" does not serve ${feature} (no "${fn}" export)`));
    }
    // Fields named rather than spread from the notifier: a spread measured as a visible share of a call.
    const bridge: HostBridge = {
      pluginName: this.pluginName,
      scope,
      notifyListChanged: this.notifier.notifyListChanged,
      notifyResourceUpdated: this.notifier.notifyResourceUpdated,
    };
    const tenant = scope?.principal?.tenant;
    const own = tenant === undefined ? undefined : this.tenants?.get(tenant, this.pluginName);
    const cap = own?.maxConcurrent;
    if (cap !== undefined) {
      const n = this.running.get(tenant!) ?? 0;
      // A tenant's share of the pool: past it, its calls are refused at once instead of queueing in front of
      // other tenants' calls.
      if (n >= cap) return Promise.reject(new SandboxError("busy", `plugin "${this.pluginName}" is busy: ${n} calls of your tenant are running, its limit; retry later`));
      this.running.set(tenant!, n + 1);
    }
    const run = this.runtime.run(fn, input, { signal: scope?.signal, bridge, config: own?.values, tenant, timeoutMs: own?.timeoutMs, textOutput: true });
    if (cap === undefined) return run;
    if (run instanceof Promise) return run.finally(() => this.leave(tenant!));
    this.leave(tenant!);
    return run;
  }

  private leave(tenant: string): void {
    const n = this.running.get(tenant)! - 1;
    if (n === 0) this.running.delete(tenant);
    else this.running.set(tenant, n);
  }

  /** The call's output as a JSON object; throws when it is not one. */
  private decode<T>(fn: string, run: RunResult, scope: RequestScope | undefined): T {
    const { output, fuelUsed } = run;
    if (scope?.usage) scope.usage.fuelUsed += fuelUsed;
    const text = run.text ?? (output ? DECODER.decode(output) : "");
    try {
      const value = JSON.parse(text);
      if (typeof value === "object" && value !== null) return value as T;
    } catch {
      // reported below
    }
    throw new SandboxError("plugin_error", `the plugin's "${fn}" returned ${text ? "output that is not a JSON object" : "no output"}`);
  }
}

function toolResult(result: CallToolResult): CallToolResult {
  if (!Array.isArray(result.content)) {
    throw new SandboxError("plugin_error", 'the plugin returned a tool result without a "content" array');
  }
  return result;
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
