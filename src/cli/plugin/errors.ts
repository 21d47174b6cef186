/**
 * Failures of `mcp-sidecar plugin …` that the author can fix: each says what went wrong and what to do,
 * and is printed without a stack trace.
 */
export class PluginCliError extends Error {
  override name = "PluginCliError";
  constructor(
    message: string,
    /** 2: the command line or the plugin folder is wrong; 1: the plugin or a tool failed. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
