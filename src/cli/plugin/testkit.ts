/** Runs `plugin` subcommands in-process for tests, capturing what they print. */
import { runPluginCommand, type PluginCliIo } from "./index.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runPluginCli(argv: string[], opts: Partial<Omit<PluginCliIo, "out" | "err">> = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await runPluginCommand(argv, {
    env: opts.env ?? { HOME: process.env.HOME, PATH: process.env.PATH },
    cwd: opts.cwd ?? process.cwd(),
    probe: opts.probe,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}
