/**
 * The hyper-mcp host functions across the process boundary. The child reads and checks each argument block
 * exactly as in-process and forwards the parsed JSON; the gateway runs the same HostOp against the request's
 * bridge (src/registry/abi/host-functions.ts), so both isolation modes share one implementation.
 * The only file under src/sandbox that knows the host ABI: the rest of the sandbox treats the bridge as opaque.
 */
import type { CallState } from "../call-state.ts";
import type { HostFunctions } from "../instance.ts";
import {
  HYPER_MCP_HOST_OPS,
  userHostFunctions,
  type HostArg,
  type HostBridge,
  type HostOpTarget,
} from "../../registry/abi/host-functions.ts";

/** Child side: host functions that relay to the parent. `ask` resolves with the parent's answer. */
export function relayedHostFunctions(
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  notify: (fn: string, arg: HostArg) => void,
  ask: (fn: string, arg: HostArg) => Promise<unknown>,
): HostFunctions {
  const target: HostOpTarget = {
    notify: (_cc, fn, _op, arg) => notify(fn, arg),
    // The child's own CallState still bounds the wait (a backstop: the parent kills the child first).
    request: (cc, fn, _op, arg) => (cc.state as CallState).guard(ask(fn, arg)),
  };
  return userHostFunctions(imports, target);
}

const opNamed = (fn: string) => (Object.hasOwn(HYPER_MCP_HOST_OPS, fn) ? HYPER_MCP_HOST_OPS[fn] : undefined);

/** Parent side: performs a relayed host function on the call's bridge. */
export const parentHost = {
  notify(fn: string, arg: HostArg, bridge: unknown): void {
    const op = opNamed(fn);
    if (!op || op.request || !bridge) return; // the child only relays known ops; anything else is ignored
    op.run(bridge as HostBridge, arg, (work) => work);
  },
  /**
   * No deadline race here: the parent's own timer kills the child at the deadline, and an answer arriving
   * after that is dropped by the caller.
   */
  async ask(fn: string, arg: HostArg, bridge: unknown): Promise<unknown> {
    const op = opNamed(fn);
    if (!op?.request) throw new Error(`host function "${fn}" cannot be relayed`);
    if (!bridge) throw new Error(`${fn} is only available while serving a client request`);
    return op.run(bridge as HostBridge, arg, (work) => work);
  },
};
export type ParentHost = typeof parentHost;
