/**
 * Composition root and CLI. The only module that reads the process environment.
 *
 *   mcp-sidecar [serve] [--config FILE]   start the gateway (Streamable HTTP + WebSocket)
 *   mcp-sidecar stdio [--config FILE]     serve one MCP client over stdin/stdout
 *   mcp-sidecar keys create|list|revoke    manage API keys (src/cli/keys.ts)
 *   mcp-sidecar plugin new|build|test|inspect   write plugins (src/cli/plugin/)
 */
import { ConfigError, ENV_PREFIX, loadConfig } from "./config/load.ts";
import { startGateway } from "./gateway.ts";
import { createLogger } from "./log.ts";
import { runKeysCommand } from "./cli/keys.ts";
import { startStdioGateway } from "./stdio-gateway.ts";
import { runToolsCommand } from "./cli/tools.ts";
import { runPluginCommand } from "./cli/plugin/index.ts";

function parseArgs(argv: string[]): { command: string; configFile?: string; rest: string[] } {
  let command = "serve";
  let named = false;
  const rest: string[] = []; // positional arguments after the command (e.g. `tools approve NAME`)
  let configFile: string | undefined = process.env[`${ENV_PREFIX}CONFIG`];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config" || arg === "-c") configFile = argv[++i];
    else if (arg.startsWith("--config=")) configFile = arg.slice("--config=".length);
    else if (arg === "--help" || arg === "-h") command = "help";
    else if (!arg.startsWith("-")) {
      if (named) rest.push(arg);
      else [command, named] = [arg, true];
    } else throw new ConfigError(`unknown option ${arg}; see mcp-sidecar --help`);
  }
  return { command, configFile, rest };
}

const HELP = `mcp-sidecar — an MCP gateway whose tools are sandboxed WASM plugins

Usage:
  mcp-sidecar [serve] [--config FILE]   serve MCP over Streamable HTTP at /mcp and WebSocket at /mcp/ws
                                        (default 127.0.0.1:3000)
  mcp-sidecar stdio [--config FILE]     serve one client over stdin/stdout
  mcp-sidecar tools list | diff NAME | approve NAME [--config FILE]
                                        review and re-approve tools quarantined by description pinning
  mcp-sidecar keys create --tenant T [--roles a,b] [--name N] | keys list | keys revoke ID
                                        manage API keys (the key is printed once, on creation)
  mcp-sidecar plugin new NAME --lang rust|js|as | build [DIR] | test [DIR] | inspect FILE.wasm [--json]
                                        write a tool plugin: scaffold, build offline, test in the sandbox,
                                        inspect any module (mcp-sidecar plugin --help)

Configuration: a YAML or JSON file (--config or ${ENV_PREFIX}CONFIG), overridden by environment variables
${ENV_PREFIX}<SECTION>__<KEY>, e.g. ${ENV_PREFIX}SERVER__PORT=8080 ${ENV_PREFIX}PLUGINS__DIR=./plugins
`;

async function main(): Promise<number> {
  // `keys` has its own options (--tenant, --roles…), so it is dispatched before the server's parser.
  if (process.argv[2] === "keys") {
    return runKeysCommand(process.argv.slice(3), { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  // `plugin` needs no gateway configuration and has its own options (--lang, --dir, --json).
  if (process.argv[2] === "plugin") {
    const code = await runPluginCommand(process.argv.slice(3), { env: process.env, cwd: process.cwd(), out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    // process.exit drops output still queued for a pipe: let stdout drain first (as `stdio` does).
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    return code;
  }
  const { command, configFile, rest } = parseArgs(process.argv.slice(2));
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
    case "tools": // review and approve tools quarantined by pinning (src/cli/tools.ts)
      return runToolsCommand(rest, config, { out: (l) => console.log(l), err: (l) => console.error(l), actor: `cli:${process.env.USER ?? "unknown"}` });
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
