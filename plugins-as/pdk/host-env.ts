// Config values, per-instance variables and log lines (Extism `config_get`, `var_*`, `log_*`).
import { config_get, get_log_level, log_debug, log_error, log_info, log_trace, log_warn, var_get, var_set } from "./env";
import { blockFromBytes, blockFromString, takeBlock, takeString } from "./memory";

/** A value from the manifest's `config` (null when absent). The host frees the key block. */
export function configGet(key: string): string | null {
  return takeString(config_get(blockFromString(key)));
}

/** A variable: it outlives the call, for the life of this plugin instance (the host may rebuild instances). */
export function varGet(key: string): ArrayBuffer | null {
  return takeBlock(var_get(blockFromString(key)));
}

export function varGetString(key: string): string | null {
  const bytes = varGet(key);
  return bytes === null ? null : String.UTF8.decode(bytes);
}

export function varSet(key: string, value: ArrayBuffer): void {
  var_set(blockFromString(key), blockFromBytes(value));
}

export function varSetString(key: string, value: string): void {
  varSet(key, String.UTF8.encode(value));
}

export function varRemove(key: string): void {
  var_set(blockFromString(key), 0);
}

/** Extism log levels, as `get_log_level` numbers them. */
export enum LogLevel { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4 }

/** Writes to the gateway's log (not to the MCP client: see notifyLog for that). Skipped below the host's level. */
export function log(level: LogLevel, message: string): void {
  // get_log_level answers 0xFFFFFFFF when the host logs nothing; as an i32 that is -1, so compare unsigned.
  if (<u32>level < <u32>get_log_level()) return;
  const block = blockFromString(message);
  switch (level) {
    case LogLevel.Trace: log_trace(block); break;
    case LogLevel.Debug: log_debug(block); break;
    case LogLevel.Info: log_info(block); break;
    case LogLevel.Warn: log_warn(block); break;
    default: log_error(block);
  }
}
