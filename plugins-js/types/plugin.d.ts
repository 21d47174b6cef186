/**
 * Types of the author API of mcp-sidecar JavaScript plugins (plugins-js/README.md). Reference it from a
 * TypeScript plugin with `/// <reference path=".../plugins-js/types/plugin.d.ts" />`.
 */
export {};

declare global {
  /** Values from the plugin's manifest `config` (and the gateway's per-tenant config). */
  const config: { get(key: string): string | null };

  interface PluginHttpResponse {
    url: string;
    status: number;
    ok: boolean;
    headers: Record<string, string>;
    body: string;
    text(): string;
    json(): any;
  }
  /** Synchronous HTTP through the host; only hosts in the manifest's `allowedHosts` are reachable. */
  const http: {
    fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | object }): PluginHttpResponse;
  };

  type McpLogLevel = "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency";
  interface ToolContext {
    /** The JSON-RPC id of the tools/call request. */
    requestId: string | number | undefined;
    /** The request's `_meta` (e.g. progressToken). */
    meta: Record<string, unknown>;
    /** notifications/progress, sent only if the client asked for progress. */
    progress(progress: number, total?: number, message?: string): void;
    /** notifications/message (MCP logging) to the client. */
    log(level: McpLogLevel, data: unknown, logger?: string): void;
  }

  /** A string (text), an MCP CallToolResult ({content: [...]}), or any other value (structured content). */
  type ToolReturn = string | { content: unknown[]; isError?: boolean; structuredContent?: unknown } | object | number | boolean | null | undefined;

  interface ToolDefinition<Args = any> {
    name: string;
    title?: string;
    description?: string;
    /** JSON Schema of the arguments; `{ "type": "object" }` when omitted. */
    inputSchema?: object;
    outputSchema?: object;
    annotations?: object;
    handler(args: Args, ctx: ToolContext): ToolReturn | Promise<ToolReturn>;
  }

  interface PluginDefinition {
    tools: ToolDefinition[];
  }
}
