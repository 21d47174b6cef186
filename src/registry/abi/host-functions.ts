/**
 * The hyper-mcp host functions (`extism:host/user`), bridging a plugin to the MCP session of the request
 * that called it: progress and log notifications, sampling, elicitation and roots requests to the client,
 * and list-changed / resource-updated notifications. Shapes: docs/plugin-abi.md §3.1.
 *
 * Every argument and result is an Extism block holding JSON. Functions that wait on the client are async
 * (JSPI suspends the guest) and are raced against the call's deadline, so a client that never answers
 * cannot hold a plugin instance forever.
 */
import type { LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { CallState } from "../../sandbox/call-state.ts";
import type { HostContext, HostFunction, HostFunctions } from "../../sandbox/instance.ts";
import type { RequestScope } from "../types.ts";

export const USER_NAMESPACE = "extism:host/user";

/** What the host functions reach beyond the request: catalog-wide notifications. */
export interface HostBridge {
  pluginName: string;
  /** Absent when the plugin is called outside a client request (listing at load time). */
  scope?: RequestScope;
  notifyListChanged(kind: "tools" | "resources" | "prompts"): void;
  notifyResourceUpdated(uri: string): void;
}

function bridgeOf(cc: HostContext): { state: CallState; bridge: HostBridge } {
  const state = cc.state;
  if (!state) throw new Error("host functions are not available while the plugin starts");
  return { state, bridge: state.bridge as HostBridge };
}

export type HostArg = Record<string, unknown>;
/** Bounds a wait on the client by the call's deadline and cancellation (CallState.guard in-process). */
export type Guard = <T>(work: Promise<T>) => Promise<T>;

/**
 * What one host function does, apart from reading its argument block and storing its answer. Split out so
 * process isolation (src/sandbox/process) runs the very same logic: `check` runs where the block is read
 * (inside the child), `run` where the bridge lives (the gateway process).
 */
export interface HostOp {
  /** Waits for the client and answers the guest (an async host function: JSPI suspends the guest); otherwise one-way. */
  request: boolean;
  /** Whether it reads a JSON-object argument block. */
  takesArg: boolean;
  /** Argument checks that need no bridge; throwing traps the guest with the message. */
  check?(arg: HostArg): void;
  /** Acts on the bridge. For a request, resolves to the JSON value handed back to the guest. */
  run(bridge: HostBridge, arg: HostArg, guard: Guard): unknown;
}

/** Parses a host function's argument block text (undefined: no block) the same way in both isolation modes. */
export function parseHostArg(text: string | undefined, fn: string): HostArg {
  if (text === undefined) throw new Error(`${fn}: the plugin passed no argument block`);
  try {
    const value = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw new Error(`${fn}: the argument is not a JSON object`);
}

function requireScope(bridge: HostBridge, fn: string): RequestScope {
  if (!bridge.scope) throw new Error(`${fn} is only available while serving a client request`);
  return bridge.scope;
}

const notifyProgress: HostOp = {
  request: false,
  takesArg: true,
  check(p) {
    if (typeof p.progress !== "number") throw new Error('notify_progress: "progress" must be a number');
  },
  run(bridge, p) {
    const scope = bridge.scope;
    const token = scope?.meta?.progressToken;
    // Progress belongs to the request's own token; without one the client did not ask for progress.
    if (!scope || (typeof token !== "string" && typeof token !== "number")) return;
    const params: Record<string, unknown> = { progressToken: token, progress: p.progress };
    if (typeof p.total === "number") params.total = p.total;
    if (typeof p.message === "string") params.message = p.message;
    scope.channel.send({ jsonrpc: "2.0", method: "notifications/progress", params });
  },
};

const notifyLoggingMessage: HostOp = {
  request: false,
  takesArg: true,
  run(bridge, m) {
    const scope = bridge.scope;
    const level = (typeof m.level === "string" ? m.level : "info") as LoggingLevel;
    if (!scope || !scope.session.wantsLog(level)) return;
    const params: Record<string, unknown> = { level, data: m.data ?? null };
    params.logger = typeof m.logger === "string" ? m.logger : bridge.pluginName;
    scope.channel.send({ jsonrpc: "2.0", method: "notifications/message", params });
  },
};

/** Sends a request to the client, bounded by the call's deadline. */
function askClient(bridge: HostBridge, guard: Guard, method: string, params: HostArg, fn: string): Promise<unknown> {
  const scope = requireScope(bridge, fn);
  return guard(scope.session.request(scope.channel, method, params, scope.signal));
}

const createMessage: HostOp = {
  request: true,
  takesArg: true,
  async run(bridge, params, guard) {
    const scope = requireScope(bridge, "create_message");
    if (!scope.session.clientCapabilities.sampling) throw new Error("create_message: the client does not support sampling");
    return askClient(bridge, guard, "sampling/createMessage", params, "create_message");
  },
};

const createElicitation: HostOp = {
  request: true,
  takesArg: true,
  async run(bridge, arg, guard) {
    const scope = requireScope(bridge, "create_elicitation");
    if (!scope.session.clientCapabilities.elicitation) return { action: "decline" };
    const { timeout: _timeout, ...params } = arg;
    return askClient(bridge, guard, "elicitation/create", params, "create_elicitation");
  },
};

const listRoots: HostOp = {
  request: true,
  takesArg: false,
  async run(bridge, _arg, guard) {
    const scope = requireScope(bridge, "list_roots");
    if (!scope.session.clientCapabilities.roots) return { roots: [] };
    return askClient(bridge, guard, "roots/list", {}, "list_roots");
  },
};

const listChanged = (kind: "tools" | "resources" | "prompts"): HostOp => ({
  request: false,
  takesArg: false,
  run: (bridge) => bridge.notifyListChanged(kind),
});

const notifyResourceUpdated: HostOp = {
  request: false,
  takesArg: true,
  check({ uri }) {
    if (typeof uri !== "string") throw new Error('notify_resource_updated: "uri" must be a string');
  },
  run: (bridge, { uri }) => bridge.notifyResourceUpdated(uri as string),
};

/** URL-mode elicitation completion: relayed to the request's client when there is one. */
const notifyUrlElicitationCompleted: HostOp = {
  request: false,
  takesArg: true,
  run(bridge, { elicitationId }) {
    bridge.scope?.channel.send({ jsonrpc: "2.0", method: "notifications/elicitation/complete", params: { elicitationId } });
  },
};

/**
 * mcp-sidecar extension, modelled on the TS SDK's closeSSEStream (SEP-1699): lets a long call release the
 * client's connection; the client resumes with Last-Event-ID and receives the result from the replay buffer.
 */
const closeSseStream: HostOp = {
  request: false,
  takesArg: false,
  run: (bridge) => bridge.scope?.channel.closeStream?.(),
};

export const HYPER_MCP_HOST_OPS: Record<string, HostOp> = {
  notify_progress: notifyProgress,
  notify_logging_message: notifyLoggingMessage,
  create_message: createMessage,
  create_elicitation: createElicitation,
  list_roots: listRoots,
  notify_tool_list_changed: listChanged("tools"),
  notify_resource_list_changed: listChanged("resources"),
  notify_prompt_list_changed: listChanged("prompts"),
  notify_resource_updated: notifyResourceUpdated,
  notify_url_elicitation_completed: notifyUrlElicitationCompleted,
  close_sse_stream: closeSseStream,
};

/** Where a host function's work is done once its argument is read and checked. */
export interface HostOpTarget {
  notify(cc: HostContext, fn: string, op: HostOp, arg: HostArg): void;
  request(cc: HostContext, fn: string, op: HostOp, arg: HostArg): Promise<unknown>;
}

/** In-process: act on the call's own bridge, waits bounded by its CallState. */
export const LOCAL_TARGET: HostOpTarget = {
  notify(cc, _fn, op, arg) {
    op.run(bridgeOf(cc).bridge, arg, (work) => work);
  },
  request(cc, _fn, op, arg) {
    const { state, bridge } = bridgeOf(cc);
    return Promise.resolve(op.run(bridge, arg, (work) => state.guard(work)));
  },
};

/** The Extism host function for one op: read + check the argument block, act, store a request's answer. */
function hostFunction(fn: string, op: HostOp, target: HostOpTarget): HostFunction {
  const argOf = (cc: HostContext, offset: bigint | undefined): HostArg => {
    if (!op.takesArg) return {};
    const arg = parseHostArg(offset === undefined ? undefined : cc.text(offset), fn);
    op.check?.(arg);
    return arg;
  };
  // Async only for requests: the host wraps async functions (and only those) with JSPI's Suspending.
  if (op.request) return async (cc: HostContext, offset?: bigint) => cc.store(JSON.stringify((await target.request(cc, fn, op, argOf(cc, offset))) ?? {}));
  return (cc: HostContext, offset?: bigint) => target.notify(cc, fn, op, argOf(cc, offset));
}

/** Host functions linked for one plugin beyond hyper-mcp's: those of its granted capabilities (src/capabilities). */
export interface PluginHostOps {
  readonly ops: Readonly<Record<string, HostOp>>;
  /**
   * Why each function mcp-sidecar knows but does not link for this plugin is missing (e.g. the grant it
   * needs), by name. Plain data, not a function, so that it travels to a plugin child process as it is.
   */
  readonly missing?: Readonly<Record<string, string>>;
}

/**
 * The user-namespace imports for one module: ours, plus a trapping stub for any name we do not link, so a
 * plugin importing something exotic (or a capability it was not granted) still loads and fails only if it
 * calls it — with a message saying what.
 */
export function userHostFunctions(
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  target: HostOpTarget = LOCAL_TARGET,
  plugin?: PluginHostOps,
): HostFunctions {
  const fns: Record<string, HostFunction> = {};
  for (const [fn, op] of Object.entries(HYPER_MCP_HOST_OPS)) fns[fn] = hostFunction(fn, op, target);
  for (const [fn, op] of Object.entries(plugin?.ops ?? {})) fns[fn] ??= hostFunction(fn, op, target);
  const missing = plugin?.missing ?? {};
  for (const imp of imports) {
    if (imp.module === USER_NAMESPACE && imp.kind === "function" && !(imp.name in fns)) {
      const why = (Object.hasOwn(missing, imp.name) ? missing[imp.name] : undefined) ?? `the plugin called host function "${imp.name}", which mcp-sidecar does not provide`;
      fns[imp.name] = () => {
        throw new Error(why);
      };
    }
  }
  return { [USER_NAMESPACE]: fns };
}
