/**
 * Builds the immutable snapshot of everything the loaded plugins offer.
 *
 * Name conflicts are resolved deterministically: plugins are taken in byte order of their names, and the
 * first plugin to offer a tool name (or prompt name, or resource URI) keeps it; later offers of the same
 * name are hidden and reported, so a reload never silently changes which plugin answers a tool.
 */
import type { Prompt, Resource, ResourceTemplate, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { LoadedPlugin } from "./loader.ts";
import type { CatalogView, Entry, McpProvider } from "./types.ts";

export interface CatalogConflict {
  kind: "tool" | "prompt" | "resource" | "resourceTemplate";
  name: string;
  kept: string;
  hidden: string;
}

export interface CatalogBuild {
  catalog: CatalogView;
  conflicts: CatalogConflict[];
  /** Items dropped because their declaration is unusable (no name, no input schema...). */
  invalid: { plugin: string; reason: string }[];
}

/** RFC 6570 level-1 templates ({var}) to an anchored regex; enough for resource templates in the wild. */
function templateMatcher(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, "([^/]+)")}$`);
}

export function buildCatalog(plugins: readonly LoadedPlugin[], version: number): CatalogBuild {
  const ordered = [...plugins].sort((a, b) => (a.manifest.name < b.manifest.name ? -1 : a.manifest.name > b.manifest.name ? 1 : 0));
  const conflicts: CatalogConflict[] = [];
  const invalid: CatalogBuild["invalid"] = [];
  const tools = new Map<string, Entry<Tool>>();
  const prompts = new Map<string, Entry<Prompt>>();
  const resources = new Map<string, Entry<Resource>>();
  const templates = new Map<string, Entry<ResourceTemplate>>();

  const add = <T>(map: Map<string, Entry<T>>, kind: CatalogConflict["kind"], key: unknown, item: T, provider: McpProvider) => {
    if (typeof key !== "string" || key.length === 0) {
      invalid.push({ plugin: provider.pluginName, reason: `a ${kind} without a name` });
      return;
    }
    const existing = map.get(key);
    if (existing) conflicts.push({ kind, name: key, kept: existing.provider.pluginName, hidden: provider.pluginName });
    else map.set(key, { item, provider });
  };

  for (const plugin of ordered) {
    const provider = plugin.provider;
    for (const tool of plugin.offer.tools) {
      if (typeof tool?.inputSchema !== "object" || tool.inputSchema === null) {
        invalid.push({ plugin: plugin.manifest.name, reason: `tool ${JSON.stringify(tool?.name)} has no inputSchema object` });
        continue;
      }
      add(tools, "tool", tool.name, tool, provider);
    }
    for (const prompt of plugin.offer.prompts) add(prompts, "prompt", prompt?.name, prompt, provider);
    for (const resource of plugin.offer.resources) add(resources, "resource", resource?.uri, resource, provider);
    for (const template of plugin.offer.resourceTemplates) add(templates, "resourceTemplate", template?.uriTemplate, template, provider);
  }

  const templateList = [...templates.values()].map((entry) => ({ entry, matcher: templateMatcher(entry.item.uriTemplate) }));
  const catalog: CatalogView = {
    version,
    tools: [...tools.values()],
    prompts: [...prompts.values()],
    resources: [...resources.values()],
    resourceTemplates: templateList.map((t) => t.entry),
    tool: (name) => tools.get(name),
    prompt: (name) => prompts.get(name),
    resourceProvider: (uri) => resources.get(uri)?.provider ?? templateList.find((t) => t.matcher.test(uri))?.entry.provider,
  };
  return { catalog, conflicts, invalid };
}

export const EMPTY_CATALOG: CatalogView = buildCatalog([], 0).catalog;
