/**
 * Assembles the gateway for `mcp-sidecar stdio`: the same plugin registry and MCP dispatcher as the HTTP
 * gateway (src/gateway.ts), serving one client over stdin/stdout with no listening socket at all.
 * Kept apart from main.ts, like gateway.ts, so it can be run against in-memory streams.
 */
import { ANONYMOUS } from "./pipeline/chain.ts";
import type { Config } from "./config/schema.ts";
import type { Logger } from "./log.ts";
import { createCore } from "./core.ts";
import type { PluginRegistry } from "./registry/registry.ts";
import { serveStdio } from "./transport/stdio/stdio-transport.ts";

/** Long enough for any plugin call to end on its own deadline; short enough not to hang a shutdown. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface StdioIo {
  input: AsyncIterable<Uint8Array>;
  write(line: string): void;
}

export interface StdioGateway {
  registry: PluginRegistry;
  /** Resolves once stdin reached EOF and every request was answered; the plugins are closed by then. */
  done: Promise<void>;
  /** Ends now (SIGTERM): cancels calls in flight, lets them answer, closes the plugins. */
  stop(): Promise<void>;
}

export async function startStdioGateway(config: Config, log: Logger, io: StdioIo): Promise<StdioGateway> {
  const { registry, server, hub, pipeline, closeCapabilities } = await createCore(config, log);
  // Load the plugins before reading stdin, so the client's first tools/list already sees them.
  await registry.start(config.plugins.watch);
  log.info("mcp-sidecar serving on stdio", { plugins: registry.plugins().map((p) => p.manifest.name) });

  const transport = serveStdio(
    server,
    hub,
    { input: io.input, write: io.write, maxMessageBytes: config.server.maxBodyBytes, drainTimeoutMs: DRAIN_TIMEOUT_MS, principal: ANONYMOUS },
    log,
  );
  // Either EOF (transport.done) or stop() ends the gateway; stdin may stay open after a stop, so `done`
  // does not wait for it then (the caller exits the process).
  let stopSignal!: () => void;
  const stopRequested = new Promise<void>((resolve) => (stopSignal = resolve));
  const done = Promise.race([transport.done, stopRequested.then(() => transport.stop())]).then(async () => {
    registry.close();
    closeCapabilities();
    await pipeline.close();
  });
  return {
    registry,
    done,
    stop: () => {
      stopSignal();
      return done;
    },
  };
}
