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
import { openKvStore, type KvStore } from "./adapters/kv-store.ts";
import type { CapabilityResources } from "./capabilities/index.ts";
import { SqlDatabases } from "./capabilities/sql/index.ts";
import { openRateLimitStore } from "./adapters/redis/rate-limit-store.ts";
import { TenantPlugins } from "./config/tenants.ts";
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
  /** Closes what the plugins' capabilities opened (the kv store); call after the registry is closed. */
  closeCapabilities(): void;
}

export async function createCore(config: Config, log: Logger): Promise<Core> {
  const hub = new SessionHub();
  let registry: PluginRegistry | undefined;
  const metrics = new GatewayMetrics(function* () {
    for (const plugin of registry?.plugins() ?? []) yield [plugin.manifest.name, plugin.provider.runtime.stats()];
  });
  // Gateway-side resources of the capabilities (src/capabilities), opened only when a plugin is granted one.
  let kvStore: KvStore | undefined;
  let sqlDatabases: SqlDatabases | undefined;
  const capabilityResources: CapabilityResources = {
    get kv() {
      return (kvStore ??= openKvStore(config.storage));
    },
    get sql() {
      return (sqlDatabases ??= new SqlDatabases(config.capabilities.sql));
    },
  };
  registry = new PluginRegistry(
    config.plugins.dir,
    {
      capabilities: capabilityResources,
      tenants: new TenantPlugins(config.tenants),
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
  const stores = { openKeyStore, openPinStore, openAuditSink, openRateLimitStore };
  const pipeline = await buildPipeline({ config, log, metrics: metrics.registry, catalog: registry.catalog, stores });
  const server = new McpServer({ catalog: registry.catalog, pageSize: config.server.pageSize, observer: metrics,
    chain: pipeline.chain,
    redactNotification: pipeline.redactNotification,
  });
  return { registry, server, hub, metrics, pipeline, closeCapabilities: () => {
    kvStore?.close();
    void sqlDatabases?.close();
  } };
}
