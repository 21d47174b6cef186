/** Resolves what a request acts on (tool, prompt, resource) from the catalog, for the hot-path stages. */
import type { Target } from "../pipeline/types.ts";
import type { JsonRpcRequest } from "../protocol/jsonrpc.ts";
import type { CatalogView, McpProvider } from "../registry/types.ts";

export function targetOf(kind: Target["kind"], name: string, provider: McpProvider, inputSchema?: Record<string, unknown>): Target {
  return { kind, name, plugin: provider.pluginName, risk: provider.risk, tags: provider.tags, inputSchema };
}

/** The target of a request, or undefined for methods that act on nothing in particular (or unknown names). */
export function resolveTarget(request: JsonRpcRequest, catalog: CatalogView): Target | undefined {
  const params = request.params;
  switch (request.method) {
    case "tools/call": {
      const entry = typeof params?.name === "string" ? catalog.tool(params.name) : undefined;
      return entry && targetOf("tool", entry.item.name, entry.provider, entry.item.inputSchema as Record<string, unknown>);
    }
    case "prompts/get": {
      const entry = typeof params?.name === "string" ? catalog.prompt(params.name) : undefined;
      return entry && targetOf("prompt", entry.item.name, entry.provider);
    }
    case "resources/read":
    case "resources/subscribe": {
      const uri = params?.uri;
      const provider = typeof uri === "string" ? catalog.resourceProvider(uri) : undefined;
      return provider && targetOf("resource", uri as string, provider);
    }
    default:
      return undefined;
  }
}
