/**
 * Assembles a running gateway from a validated config: plugin registry, MCP server, transports, metrics.
 * Kept apart from main.ts so tests start the real thing on port 0 without touching the environment.
 */
import type { Config } from "./config/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { createCore } from "./core.ts";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { PluginRegistry } from "./registry/registry.ts";
import type { SessionHub } from "./session/hub.ts";
import { createHttpApp } from "./transport/http/app.ts";
import { StreamableHttpEndpoint } from "./transport/http/mcp-endpoint.ts";
import { WebSocketEndpoint } from "./transport/ws/ws-endpoint.ts";

export interface Gateway {
  url: string;
  port: number;
  registry: PluginRegistry;
  endpoint: StreamableHttpEndpoint;
  websocket: WebSocketEndpoint;
  /** Every transport's sessions, for broadcasts. */
  hub: SessionHub;
  metrics: GatewayMetrics;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startGateway(config: Config, log: Logger = createLogger(config.log.level)): Promise<Gateway> {
  const { registry, server, hub, metrics, pipeline, closeCapabilities } = await createCore(config, log);
  const endpoint = new StreamableHttpEndpoint(server, config.server, log, pipeline.authenticator);
  hub.addSource(() => endpoint.sessions.all());
  const websocket = new WebSocketEndpoint(server, config.server, hub, log, pipeline.authenticator);

  let ready = false;
  await registry.start(config.plugins.watch);
  ready = true;

  const app = createHttpApp(endpoint, {
    metrics: () => metrics.registry.render(),
    plugins: () => registry.status(),
    ready: () => ready,
  }, websocket);
  const http = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    // The hot path skips Hono: Bun's native route table answers POST /mcp directly, measured 6–8 µs less
    // per request (bench/RESULTS.md). Everything else goes through Hono's app.
    routes: { ...pipeline.routes, "/mcp": { POST: (req, srv) => endpoint.post(req, srv) } },
    fetch: app.fetch,
    error(err) {
      log.error("unhandled error in HTTP handler", { error: String(err?.stack ?? err) });
      return Response.json({ error: "internal error" }, { status: 500 });
    },
    websocket: websocket.handler,
    // SSE streams are long-lived; Bun's default idle timeout would cut quiet ones.
    idleTimeout: 0,
    // Our own check (src/transport/http/body.ts) answers oversized bodies with a JSON-RPC 413 naming the
    // limit; Bun's cap, set well above it, is only the backstop that answers with an empty 413.
    maxRequestBodySize: config.server.maxBodyBytes * 2 + 65536,
  });
  const url = `http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${http.port}`;
  log.info("mcp-sidecar listening", { url: `${url}/mcp`, plugins: registry.plugins().map((p) => p.manifest.name) });

  const stop = async () => {
    websocket.close();
    endpoint.close();
    registry.close();
    closeCapabilities();
    await http.stop(true);
    await pipeline.close();
  };
  return { url, port: http.port!, registry, endpoint, websocket, hub, metrics, stop, [Symbol.asyncDispose]: stop };
}
