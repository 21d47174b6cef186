/**
 * Composition root and CLI. The only module that reads the process environment.
 *
 *   mcp-sidecar [serve] [--config FILE]   start the gateway (Streamable HTTP + WebSocket)
 *   mcp-sidecar stdio [--config FILE]     serve one MCP client over stdin/stdout
 */
import { ConfigError, ENV_PREFIX, loadConfig } from "./config/load.ts";
import { startGateway } from "./gateway.ts";
import { createLogger } from "./log.ts";
import { startStdioGateway } from "./stdio-gateway.ts";

function parseArgs(argv: string[]): { command: string; configFile?: string } {
  let command = "serve";
  let configFile: string | undefined = process.env[`${ENV_PREFIX}CONFIG`];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config" || arg === "-c") configFile = argv[++i];
    else if (arg.startsWith("--config=")) configFile = arg.slice("--config=".length);
    else if (arg === "--help" || arg === "-h") command = "help";
    else if (!arg.startsWith("-")) command = arg;
    else throw new ConfigError(`unknown option ${arg}; see mcp-sidecar --help`);
  }
  return { command, configFile };
}

const HELP = `mcp-sidecar — an MCP gateway whose tools are sandboxed WASM plugins

Usage:
  mcp-sidecar [serve] [--config FILE]   serve MCP over Streamable HTTP at /mcp and WebSocket at /mcp/ws
                                        (default 127.0.0.1:3000)
  mcp-sidecar stdio [--config FILE]     serve one client over stdin/stdout

Configuration: a YAML or JSON file (--config or ${ENV_PREFIX}CONFIG), overridden by environment variables
${ENV_PREFIX}<SECTION>__<KEY>, e.g. ${ENV_PREFIX}SERVER__PORT=8080 ${ENV_PREFIX}PLUGINS__DIR=./plugins
`;

async function main(): Promise<number> {
  const { command, configFile } = parseArgs(process.argv.slice(2));
  if (command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const config = await loadConfig({ file: configFile, env: process.env });
  const log = createLogger(config.log.level);
  switch (command) {
    case "serve": {
      const gateway = await startGateway(config, log);
      const shutdown = async (signal: string) => {
        log.info("shutting down", { signal });
        await gateway.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      return -1; // keep running
    }
    case "stdio": {
      // stdout is the protocol channel: nothing else may write to it (the logger writes to stderr).
      const gateway = await startStdioGateway(config, log, {
        input: process.stdin,
        write: (line) => void process.stdout.write(`${line}\n`),
      });
      // The client went away (EPIPE): nobody can read answers any more, so cancel everything.
      process.stdout.on("error", () => void gateway.stop());
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void gateway.stop());
      await gateway.done;
      await new Promise<void>((resolve) => process.stdout.write("", () => resolve())); // flush before exit
      return 0;
    }
    default:
      throw new ConfigError(`unknown command "${command}"; see mcp-sidecar --help`);
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`mcp-sidecar: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`mcp-sidecar: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
