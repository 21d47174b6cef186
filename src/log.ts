/**
 * Structured logs as JSON lines on stderr (stdout belongs to the stdio transport). Minimal on purpose:
 * the hot path logs nothing at info level.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = ORDER[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

/** Adapts a Logger to the Console shape the Extism SDK logs plugin output to. */
export function loggerAsConsole(log: Logger): Console {
  const text = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return {
    log: (...a: unknown[]) => log.info(text(a)),
    info: (...a: unknown[]) => log.info(text(a)),
    debug: (...a: unknown[]) => log.debug(text(a)),
    trace: (...a: unknown[]) => log.debug(text(a)),
    warn: (...a: unknown[]) => log.warn(text(a)),
    error: (...a: unknown[]) => log.error(text(a)),
  } as unknown as Console;
}
