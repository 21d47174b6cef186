// AssemblyScript calls `abort` for a failed assertion, an out-of-range index, a bad cast and every `throw`
// (it has no exceptions). The default imports env.abort, which Extism hosts do not provide; the build maps
// it here (asc --use abort=...) so the message reaches the host as the Extism error before the guest traps.
// The host then reports both ("the plugin crashed: unreachable (<this message>)") and discards the
// instance, whose heap may be half-updated.
import { log_error, log_info } from "./env";
import { blockFromString, setError } from "./memory";

export function pluginAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "plugin aborted: " + (message === null ? "(no message)" : message);
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  log_error(blockFromString(text));
  setError(text);
  unreachable();
}

/** `trace()` from AssemblyScript's standard library, sent to the host's log. */
export function pluginTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let text = message;
  const args = [a0, a1, a2, a3, a4];
  for (let i = 0; i < n && i < 5; i++) text += (i == 0 ? " " : ", ") + args[i].toString();
  log_info(blockFromString("trace: " + text));
}
