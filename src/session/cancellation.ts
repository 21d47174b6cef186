/**
 * A request's cancellation (notifications/cancelled), with its AbortController made only when needed.
 * Why: every request used to get one up front (~0.8 µs plus its garbage on the bare tools/call path,
 * bench/RESULTS.md "Edge and call path"), while cancellations are rare and most calls never wait on
 * anything a signal could interrupt. Reading `aborted` costs nothing; listening or cancelling makes it.
 */
import type { CancelSignal } from "../sandbox/call-state.ts";

export class RequestCancellation implements CancelSignal {
  private controller: AbortController | undefined;

  get aborted(): boolean {
    return this.controller?.signal.aborted ?? false;
  }

  get reason(): unknown {
    return this.controller?.signal.reason;
  }

  /** A real AbortSignal, for APIs that need one (fetch, AbortSignal.any); made on first use. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void {
    this.signal.addEventListener(type, listener, options);
  }

  removeEventListener(type: "abort", listener: () => void): void {
    this.controller?.signal.removeEventListener(type, listener);
  }

  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}
