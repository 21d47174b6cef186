/**
 * What a host function of ours sees of the call it serves. Replaces the @extism/extism SDK's CallContext
 * for the `extism:host/user` functions (src/registry/abi/host-functions.ts): read an argument block, store
 * an answer block, reach the call's CallState.
 */
import type { CallState } from "../call-state.ts";

export interface HostContext {
  /** The call being served; null while the module's start function runs (no call exists yet). */
  readonly state: CallState | null;
  /** The bytes of block `handle` (a copy), undefined if it is not a live block. */
  bytes(handle: bigint): Uint8Array | undefined;
  /** The block as UTF-8 text, undefined if it is not a live block. */
  text(handle: bigint): string | undefined;
  /** Stores `value` as a new block of this call and returns its handle (counts against the memory limit). */
  store(value: string | Uint8Array): bigint;
}

/**
 * A host import. Arguments are the guest's (i64 handles arrive as bigint); an i64 result must be a bigint.
 * An `async` function is wrapped in WebAssembly.Suspending: the guest's stack is suspended while it waits.
 */
export type HostFunction = (context: HostContext, ...args: any[]) => unknown;
/** Extra host imports by namespace, e.g. the hyper-mcp ABI's "extism:host/user" functions. */
export type HostFunctions = Record<string, Record<string, HostFunction>>;

const AsyncFunction = (async () => {}).constructor;
export const isAsync = (fn: Function): boolean => fn instanceof AsyncFunction;
