/**
 * Assembles a running gateway from a validated config: plugin registry, MCP server, transports, metrics.
 * Kept apart from main.ts so tests start the real thing on port 0 without touching the environment.
 */
import type { Config } from "./config/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import { PluginRegistry } from "./registry/registry.ts";
import { McpServer } from "./server/mcp-server.ts";
import { createHttpApp } from "./transport/http/app.ts";
import { StreamableHttpEndpoint } from "./transport/http/mcp-endpoint.ts";

export interface Gateway {
  url: string;
  port: number;
  registry: PluginRegistry;
  endpoint: StreamableHttpEndpoint;
  metrics: GatewayMetrics;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startGateway(config: Config, log: Logger = createLogger(config.log.level)): Promise<Gateway> {
  let registry: PluginRegistry | undefined;
  const metrics = new GatewayMetrics(function* () {
    for (const plugin of registry?.plugins() ?? []) yield [plugin.manifest.name, plugin.provider.runtime.stats()];
  });
  let endpoint: StreamableHttpEndpoint | undefined;
  registry = new PluginRegistry(
    config.plugins.dir,
    {
      defaults: config.plugins.defaults,
      log,
      observer: metrics,
      notifier: {
        notifyListChanged: (kind) => endpoint?.broadcast(`notifications/${kind}/list_changed`),
        notifyResourceUpdated: (uri) => endpoint?.broadcast("notifications/resources/updated", { uri }, (s) => s.subscriptions.has(uri)),
      },
    },
    log,
  );
  const server = new McpServer({ catalog: registry.catalog, pageSize: config.server.pageSize, observer: metrics });
  endpoint = new StreamableHttpEndpoint(server, config.server, log);
  registry.onChange(({ kinds }) => {
    for (const kind of kinds) endpoint!.broadcast(`notifications/${kind}/list_changed`);
  });

  let ready = false;
  await registry.start(config.plugins.watch);
  ready = true;

  const app = createHttpApp(endpoint, {
    metrics: () => metrics.registry.render(),
    plugins: () => registry!.status(),
    ready: () => ready,
  });
  const http = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    fetch: app.fetch,
    // SSE streams are long-lived; Bun's default idle timeout would cut quiet ones.
    idleTimeout: 0,
    // Our own check (src/transport/http/body.ts) answers oversized bodies with a JSON-RPC 413 naming the
    // limit; Bun's cap, set well above it, is only the backstop that answers with an empty 413.
    maxRequestBodySize: config.server.maxBodyBytes * 2 + 65536,
  });
  const url = `http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${http.port}`;
  log.info("mcp-sidecar listening", { url: `${url}/mcp`, plugins: registry.plugins().map((p) => p.manifest.name) });

  const stop = async () => {
    endpoint!.close();
    registry!.close();
    await http.stop(true);
  };
  return { url, port: http.port!, registry, endpoint, metrics, stop, [Symbol.asyncDispose]: stop };
}
