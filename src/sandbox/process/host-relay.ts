/**
 * Host functions across the process boundary: hyper-mcp's, and the plugin's own (its granted capabilities).
 * The child reads and checks each argument block exactly as in-process and forwards the parsed JSON; the
 * gateway runs the same HostOp against the request's bridge (src/registry/abi/host-functions.ts), so both
 * isolation modes share one implementation. The plugin's ops never leave the gateway: the child is told
 * only their names and shapes (a RelayPlan) and links a relay for each.
 * The only file under src/sandbox that knows the host ABI: the rest of the sandbox treats the bridge as opaque.
 */
import type { CallState } from "../call-state.ts";
import type { HostFunctions } from "../instance.ts";
import {
  HYPER_MCP_HOST_OPS,
  userHostFunctions,
  type HostArg,
  type HostBridge,
  type HostOp,
  type HostOpTarget,
  type PluginHostOps,
} from "../../registry/abi/host-functions.ts";

export type { PluginHostOps };

/** What a child links beyond hyper-mcp's functions: plain data, sent in the init message. */
export interface RelayPlan {
  /** The plugin's own functions, relayed to the gateway, with the shape the child needs to read and answer them. */
  relayed: Record<string, { request: boolean; takesArg: boolean }>;
  /** Why each other function mcp-sidecar knows is not linked (PluginHostOps.missing): the child's stubs say it. */
  missing: Record<string, string>;
}

const hyperMcpOp = (fn: string): HostOp | undefined => (Object.hasOwn(HYPER_MCP_HOST_OPS, fn) ? HYPER_MCP_HOST_OPS[fn] : undefined);

/** Gateway side: the plan for a child of the plugin whose host functions are `plugin`. */
export function relayPlan(plugin?: PluginHostOps): RelayPlan {
  const relayed: RelayPlan["relayed"] = {};
  for (const [fn, op] of Object.entries(plugin?.ops ?? {})) {
    // hyper-mcp's functions win over a plugin op of the same name, as in userHostFunctions.
    if (!hyperMcpOp(fn)) relayed[fn] = { request: op.request, takesArg: op.takesArg };
  }
  return { relayed, missing: { ...plugin?.missing } };
}

/** Child side: host functions that relay to the parent. `ask` resolves with the parent's answer. */
export function relayedHostFunctions(
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  notify: (fn: string, arg: HostArg) => void,
  ask: (fn: string, arg: HostArg) => Promise<unknown>,
  plan?: RelayPlan,
): HostFunctions {
  const target: HostOpTarget = {
    notify: (_cc, fn, _op, arg) => notify(fn, arg),
    // The child's own CallState still bounds the wait (a backstop: the parent kills the child first).
    request: (cc, fn, _op, arg) => (cc.state as CallState).guard(ask(fn, arg)),
  };
  // Exactly the plugin's functions the gateway named; their argument checks run in the gateway (parentHost).
  const ops: Record<string, HostOp> = {};
  for (const [fn, shape] of Object.entries(plan?.relayed ?? {})) {
    ops[fn] = {
      request: shape.request,
      takesArg: shape.takesArg,
      run() {
        throw new Error(`${fn} runs in the gateway, never in a plugin process`); // the relay target never calls it
      },
    };
  }
  return userHostFunctions(imports, target, { ops, missing: plan?.missing });
}

export interface ParentHost {
  notify(fn: string, arg: HostArg, bridge: unknown): void;
  ask(fn: string, arg: HostArg, bridge: unknown): Promise<unknown>;
}

const isJsonObject = (arg: unknown): arg is HostArg => typeof arg === "object" && arg !== null && !Array.isArray(arg);

/**
 * Gateway side: performs a relayed host function on the call's bridge, for a plugin whose own host
 * functions are `plugin`. Only functions that plugin links are run: a child asking for anything else (a
 * capability its manifest does not grant: only a hostile child would) is refused, and the argument is
 * checked again here, since the child's checks ran under the plugin's control.
 */
export function parentHostFor(plugin?: PluginHostOps): ParentHost {
  const opNamed = (fn: string): HostOp | undefined => hyperMcpOp(fn) ?? (plugin && Object.hasOwn(plugin.ops, fn) ? plugin.ops[fn] : undefined);
  const missing = plugin?.missing ?? {};
  return {
    notify(fn, arg, bridge) {
      const op = opNamed(fn);
      if (!op || op.request || !bridge || !isJsonObject(arg)) return; // the child only relays known ops; anything else is ignored
      op.check?.(arg);
      op.run(bridge as HostBridge, arg, (work) => work);
    },
    /**
     * No deadline race here: the parent's own timer kills the child at the deadline, and an answer arriving
     * after that is dropped by the caller.
     */
    async ask(fn, arg, bridge) {
      const op = opNamed(fn);
      if (!op?.request) throw new Error((Object.hasOwn(missing, fn) ? missing[fn] : undefined) ?? `host function "${fn}" cannot be relayed`);
      if (!bridge) throw new Error(`${fn} is only available while serving a client request`);
      if (!isJsonObject(arg)) throw new Error(`${fn}: the argument is not a JSON object`);
      op.check?.(arg);
      return op.run(bridge as HostBridge, arg, (work) => work);
    },
  };
}

/** For a plugin with hyper-mcp's host functions only. */
export const parentHost: ParentHost = parentHostFor();
