/**
 * The transport-independent heart of the gateway: plugin registry, MCP dispatcher, session hub and
 * metrics, wired once here so the HTTP/WebSocket gateway and the stdio mode run the very same chain.
 */
import type { Config } from "./config/schema.ts";
import type { Logger } from "./log.ts";
import { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import { PluginRegistry } from "./registry/registry.ts";
import { openKeyStore } from "./adapters/api-key-store.ts";
import { openAuditSink } from "./adapters/audit-sink.ts";
import { openPinStore } from "./adapters/pin-store.ts";
import { buildPipeline, type BuiltPipeline } from "./pipeline/build.ts";
import { McpServer } from "./server/mcp-server.ts";
import { SessionHub } from "./session/hub.ts";

export interface Core {
  registry: PluginRegistry;
  server: McpServer;
  /** Every transport's sessions, for broadcasts. */
  hub: SessionHub;
  metrics: GatewayMetrics;
  /** Authentication for the transports and the chain of stages the server runs every request through. */
  pipeline: BuiltPipeline;
}

export async function createCore(config: Config, log: Logger): Promise<Core> {
  const hub = new SessionHub();
  let registry: PluginRegistry | undefined;
  const metrics = new GatewayMetrics(function* () {
    for (const plugin of registry?.plugins() ?? []) yield [plugin.manifest.name, plugin.provider.runtime.stats()];
  });
  registry = new PluginRegistry(
    config.plugins.dir,
    {
      defaults: config.plugins.defaults,
      log,
      observer: metrics,
      notifier: {
        notifyListChanged: (kind) => hub.broadcast(`notifications/${kind}/list_changed`),
        notifyResourceUpdated: (uri) => hub.broadcast("notifications/resources/updated", { uri }, (s) => s.subscriptions.has(uri)),
      },
    },
    log,
  );
  registry.onChange(({ kinds }) => {
    for (const kind of kinds) hub.broadcast(`notifications/${kind}/list_changed`);
  });
  const stores = { openKeyStore, openPinStore, openAuditSink };
  const pipeline = await buildPipeline({ config, log, metrics: metrics.registry, catalog: registry.catalog, stores });
  const server = new McpServer({ catalog: registry.catalog, pageSize: config.server.pageSize, observer: metrics,
    chain: pipeline.chain,
    redactNotification: pipeline.redactNotification,
  });
  return { registry, server, hub, metrics, pipeline };
}
