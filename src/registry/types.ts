/**
 * What the MCP server needs from loaded plugins, independent of how they run (in-process, child process)
 * or which plugin ABI they speak.
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
import type { Principal, RiskLevel } from "../pipeline/types.ts";
import type { RequestId } from "../protocol/jsonrpc.ts";
import type { OutboundChannel, Session } from "../session/session.ts";
import type { CancelSignal } from "../sandbox/call-state.ts";

/** Everything a plugin call may need from the request that caused it. */
export interface RequestScope {
  session: Session;
  requestId: RequestId;
  /** The client's cancellation; `aborted` is free to read, listening on it may make an AbortController. */
  signal: CancelSignal;
  /** The request's `_meta` (progressToken...). */
  meta: Record<string, unknown> | undefined;
  /** Where notifications and server->client requests about this request go. */
  channel: OutboundChannel;
  /** Where a provider adds the fuel its plugin calls used (the request's Call record, for audit and metering). */
  usage?: { fuelUsed: number };
  /** Who is calling: per-tenant plugin state (kv, secrets) is keyed by `principal.tenant`. */
  principal?: Principal;
}

export type CompleteParams = {
  ref: { type: string; name?: string; uri?: string };
  argument: { name: string; value: string };
  context?: { arguments?: Record<string, string> };
};

/** A loaded plugin seen as an MCP server. */
export interface McpProvider {
  readonly pluginName: string;
  /** From the plugin's manifest: what policy, firewall and audit key their defaults on. */
  readonly risk: RiskLevel;
  readonly tags: readonly string[];
  /** May return the result itself when it is ready at once (an in-process plugin that did not wait). */
  callTool(name: string, args: Record<string, unknown> | undefined, scope: RequestScope): CallToolResult | Promise<CallToolResult>;
  readResource(uri: string, scope: RequestScope): Promise<ReadResourceResult>;
  getPrompt(name: string, args: Record<string, string> | undefined, scope: RequestScope): Promise<GetPromptResult>;
  complete(params: CompleteParams, scope: RequestScope): Promise<CompleteResult>;
}

/** What a plugin declared when it was loaded (listed once, then served from memory). */
export interface PluginOffer {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

export interface Entry<T> {
  item: T;
  provider: McpProvider;
}

/** An immutable snapshot of everything offered; hot reload swaps in a new one. */
export interface CatalogView {
  readonly version: number;
  readonly tools: readonly Entry<Tool>[];
  readonly resources: readonly Entry<Resource>[];
  readonly resourceTemplates: readonly Entry<ResourceTemplate>[];
  readonly prompts: readonly Entry<Prompt>[];
  tool(name: string): Entry<Tool> | undefined;
  prompt(name: string): Entry<Prompt> | undefined;
  /** The provider of a resource URI: an exact resource first, then the first matching template. */
  resourceProvider(uri: string): McpProvider | undefined;
}
