/**
 * The hyper-mcp host functions (`extism:host/user`), bridging a plugin to the MCP session of the request
 * that called it: progress and log notifications, sampling, elicitation and roots requests to the client,
 * and list-changed / resource-updated notifications. Shapes: docs/plugin-abi.md §3.1.
 *
 * Every argument and result is an Extism block holding JSON. Functions that wait on the client are async
 * (JSPI suspends the guest) and are raced against the call's deadline, so a client that never answers
 * cannot hold a plugin instance forever.
 */
import type { CallContext } from "@extism/extism";
import type { LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { CallState } from "../../sandbox/call-state.ts";
import type { HostFunction, HostFunctions } from "../../sandbox/instance.ts";
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

function bridgeOf(cc: CallContext): { state: CallState; bridge: HostBridge } {
  const state = cc.hostContext<CallState>();
  return { state, bridge: state.bridge as HostBridge };
}

function readJson(cc: CallContext, offset: bigint, fn: string): Record<string, unknown> {
  const block = cc.read(offset);
  if (!block) throw new Error(`${fn}: the plugin passed no argument block`);
  try {
    const value = JSON.parse(block.text());
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

const notifyProgress: HostFunction = (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const scope = bridge.scope;
  const token = scope?.meta?.progressToken;
  // Progress belongs to the request's own token; without one the client did not ask for progress.
  if (!scope || (typeof token !== "string" && typeof token !== "number")) return;
  const p = readJson(cc, offset, "notify_progress");
  if (typeof p.progress !== "number") throw new Error('notify_progress: "progress" must be a number');
  const params: Record<string, unknown> = { progressToken: token, progress: p.progress };
  if (typeof p.total === "number") params.total = p.total;
  if (typeof p.message === "string") params.message = p.message;
  scope.channel.send({ jsonrpc: "2.0", method: "notifications/progress", params });
};

const notifyLoggingMessage: HostFunction = (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const scope = bridge.scope;
  const m = readJson(cc, offset, "notify_logging_message");
  const level = (typeof m.level === "string" ? m.level : "info") as LoggingLevel;
  if (!scope || !scope.session.wantsLog(level)) return;
  const params: Record<string, unknown> = { level, data: m.data ?? null };
  params.logger = typeof m.logger === "string" ? m.logger : bridge.pluginName;
  scope.channel.send({ jsonrpc: "2.0", method: "notifications/message", params });
};

/** Sends a request to the client and stores its JSON answer for the guest, bounded by the call's deadline. */
async function askClient(cc: CallContext, method: string, params: Record<string, unknown>, fn: string): Promise<bigint> {
  const { state, bridge } = bridgeOf(cc);
  const scope = requireScope(bridge, fn);
  const result = await state.guard(scope.session.request(scope.channel, method, params, scope.signal));
  return cc.store(JSON.stringify(result ?? {}));
}

const createMessage: HostFunction = async (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const scope = requireScope(bridge, "create_message");
  if (!scope.session.clientCapabilities.sampling) throw new Error("create_message: the client does not support sampling");
  return askClient(cc, "sampling/createMessage", readJson(cc, offset, "create_message"), "create_message");
};

const createElicitation: HostFunction = async (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const scope = requireScope(bridge, "create_elicitation");
  if (!scope.session.clientCapabilities.elicitation) return cc.store(JSON.stringify({ action: "decline" }));
  const { timeout: _timeout, ...params } = readJson(cc, offset, "create_elicitation");
  return askClient(cc, "elicitation/create", params, "create_elicitation");
};

const listRoots: HostFunction = async (cc) => {
  const { bridge } = bridgeOf(cc);
  const scope = requireScope(bridge, "list_roots");
  if (!scope.session.clientCapabilities.roots) return cc.store(JSON.stringify({ roots: [] }));
  return askClient(cc, "roots/list", {}, "list_roots");
};

const listChanged =
  (kind: "tools" | "resources" | "prompts"): HostFunction =>
  (cc) =>
    bridgeOf(cc).bridge.notifyListChanged(kind);

const notifyResourceUpdated: HostFunction = (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const { uri } = readJson(cc, offset, "notify_resource_updated");
  if (typeof uri !== "string") throw new Error('notify_resource_updated: "uri" must be a string');
  bridge.notifyResourceUpdated(uri);
};

/** URL-mode elicitation completion: relayed to the request's client when there is one. */
const notifyUrlElicitationCompleted: HostFunction = (cc, offset: bigint) => {
  const { bridge } = bridgeOf(cc);
  const { elicitationId } = readJson(cc, offset, "notify_url_elicitation_completed");
  bridge.scope?.channel.send({ jsonrpc: "2.0", method: "notifications/elicitation/complete", params: { elicitationId } });
};

/**
 * mcp-sidecar extension, modelled on the TS SDK's closeSSEStream (SEP-1699): lets a long call release the
 * client's connection; the client resumes with Last-Event-ID and receives the result from the replay buffer.
 */
const closeSseStream: HostFunction = (cc) => {
  bridgeOf(cc).bridge.scope?.channel.closeStream?.();
};

export const HYPER_MCP_HOST_FUNCTIONS: Record<string, HostFunction> = {
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

/**
 * The user-namespace imports for one module: ours, plus a trapping stub for any name we do not know, so a
 * plugin importing something exotic still loads and fails only if it calls it — with a message saying what.
 */
export function userHostFunctions(imports: readonly WebAssembly.ModuleImportDescriptor[]): HostFunctions {
  const fns: Record<string, HostFunction> = { ...HYPER_MCP_HOST_FUNCTIONS };
  for (const imp of imports) {
    if (imp.module === USER_NAMESPACE && imp.kind === "function" && !(imp.name in fns)) {
      fns[imp.name] = () => {
        throw new Error(`the plugin called host function "${imp.name}", which mcp-sidecar does not provide`);
      };
    }
  }
  return { [USER_NAMESPACE]: fns };
}
