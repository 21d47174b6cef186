/**
 * Why a sandboxed call did not produce output. Each kind becomes an `isError` tool result with a message a
 * person can act on (which limit, how big), and a metric label.
 */
export type SandboxFailure =
  | "timeout" // wall-clock deadline passed (loop, slow host call)
  | "fuel_exhausted" // metered work budget used up
  | "memory" // guest or host-block memory cap hit
  | "output_too_large"
  | "trap" // the guest crashed (unreachable, out-of-bounds, stack overflow...)
  | "plugin_error" // the guest reported an error through the Extism ABI
  | "busy" // every instance in use and the queue is full
  | "cancelled" // the client cancelled the request
  | "unavailable"; // the plugin was unloaded or failed to instantiate

export class SandboxError extends Error {
  constructor(
    readonly failure: SandboxFailure,
    message: string,
  ) {
    super(message);
    this.name = "SandboxError";
  }
}

/** Failures after which the instance's state cannot be trusted and it must be rebuilt. */
export function poisonsInstance(failure: SandboxFailure): boolean {
  return failure !== "plugin_error" && failure !== "output_too_large" && failure !== "busy";
}
