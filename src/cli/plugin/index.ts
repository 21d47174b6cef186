/**
 * `mcp-sidecar plugin …`: the plugin author's commands — scaffold, build, test in the real sandbox, and
 * inspect any module. Works offline; see README.md "Writing a plugin".
 */
import { parseArgs } from "node:util";
import { buildPlugin } from "./build.ts";
import { PluginCliError } from "./errors.ts";
import { formatInspectReport, inspectPlugin } from "./inspect.ts";
import { scaffoldPlugin } from "./scaffold.ts";
import { runPluginTests } from "./test-cases.ts";
import type { ToolchainProbe } from "./toolchain.ts";

export const PLUGIN_HELP = `Usage:
  mcp-sidecar plugin new <name> --lang rust|js|as [--dir DIR]
                                   scaffold a plugin folder: manifest.json, source, README.md, tests.json
  mcp-sidecar plugin build [DIR]   compile it to DIR/plugin.wasm (offline; Rust with Debian's rustc,
                                   JavaScript with the QuickJS compiler, AssemblyScript with asc)
  mcp-sidecar plugin test [DIR]    run DIR/tests.json through the gateway's sandbox; exit 1 on a failure
  mcp-sidecar plugin inspect FILE.wasm [--json]
                                   exports, imports, MCP ABI, declared tools, host capabilities it needs

Then copy the folder into the gateway's plugins directory: it is live without a restart.
A test case in tests.json: {"name", "tool", "arguments", "expect": {"text"?, "contains"?, "isError"?}}
`;

export interface PluginCliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  probe?: ToolchainProbe;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { lang: { type: "string", short: "l" }, dir: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    throw new PluginCliError(`${(err as Error).message}\n${PLUGIN_HELP}`, 2);
  }
}

function noExtra(args: string[], max: number, usage: string): void {
  if (args.length > max) throw new PluginCliError(`unexpected argument "${args[max]}"; usage: ${usage}`, 2);
}

/** Runs one `plugin` subcommand; returns the exit code. Author mistakes print a message, not a stack. */
export async function runPluginCommand(argv: string[], io: PluginCliIo): Promise<number> {
  // Bun ends a process whose event loop looks idle while a dynamic import of a module with top-level await
  // is pending (the AssemblyScript compiler is one): without this, `plugin build` exited 0 mid-build.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    return await runSubcommand(argv, io);
  } finally {
    clearInterval(keepAlive);
  }
}

async function runSubcommand(argv: string[], io: PluginCliIo): Promise<number> {
  try {
    const { positionals, values } = parse(argv);
    const [sub, ...args] = positionals;
    if (values.help || !sub) {
      (sub || values.help ? io.out : io.err)(PLUGIN_HELP);
      return values.help ? 0 : 2;
    }
    const misplaced = (["lang", "dir", "json"] as const).find((o) => values[o] !== undefined && sub !== (o === "json" ? "inspect" : "new"));
    if (misplaced) throw new PluginCliError(`--${misplaced} belongs to plugin ${misplaced === "json" ? "inspect" : "new"}, not plugin ${sub}`, 2);
    switch (sub) {
      case "new": {
        noExtra(args, 1, "mcp-sidecar plugin new <name> --lang rust|js|as [--dir DIR]");
        if (!args[0]) throw new PluginCliError("plugin new needs a name: mcp-sidecar plugin new <name> --lang rust|js|as", 2);
        const { dir, lang, files } = scaffoldPlugin({ name: args[0], lang: values.lang ?? "", dir: values.dir, cwd: io.cwd });
        io.out(`created ${dir} (${lang})\n${files.map((f) => `  ${f}\n`).join("")}`);
        io.out(`next:\n  mcp-sidecar plugin build ${dir}\n  mcp-sidecar plugin test ${dir}\n  cp -r ${dir} <gateway plugins dir>/\n`);
        return 0;
      }
      case "build":
        noExtra(args, 1, "mcp-sidecar plugin build [DIR]");
        await buildPlugin(args[0], io.cwd, io);
        return 0;
      case "test":
        noExtra(args, 1, "mcp-sidecar plugin test [DIR]");
        return await runPluginTests(args[0], io.cwd, io);
      case "inspect": {
        noExtra(args, 1, "mcp-sidecar plugin inspect FILE.wasm [--json]");
        if (!args[0]) throw new PluginCliError("plugin inspect needs a .wasm file: mcp-sidecar plugin inspect FILE.wasm [--json]", 2);
        const report = await inspectPlugin(args[0], { err: io.err }, io.cwd);
        io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspectReport(report));
        return 0;
      }
      default:
        throw new PluginCliError(`unknown plugin command "${sub}"\n${PLUGIN_HELP}`, 2);
    }
  } catch (err) {
    if (!(err instanceof PluginCliError)) throw err;
    io.err(`mcp-sidecar plugin: ${err.message}\n`);
    return err.exitCode;
  }
}
