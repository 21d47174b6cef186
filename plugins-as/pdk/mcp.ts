// hyper-mcp host functions (module `extism:host/user`, docs/plugin-abi.md §3.1): talk back to the MCP client
// mid-call. Each argument and answer is a block of JSON. AssemblyScript imports only the ones a plugin calls,
// so a plugin that never reports progress still loads on hosts without notify_progress.
import { JsonValue } from "./json";
import { lastJsonError, parseJson } from "./parse";
import { blockFromBytes, takeString } from "./memory";
import { free } from "./env";

@external("extism:host/user", "notify_progress")
declare function notify_progress(params: u64): void;
@external("extism:host/user", "notify_logging_message")
declare function notify_logging_message(params: u64): void;
@external("extism:host/user", "create_message")
declare function create_message(params: u64): u64;
@external("extism:host/user", "create_elicitation")
declare function create_elicitation(params: u64): u64;
@external("extism:host/user", "list_roots")
declare function list_roots(): u64;
@external("extism:host/user", "notify_tool_list_changed")
declare function notify_tool_list_changed(): void;
@external("extism:host/user", "notify_resource_updated")
declare function notify_resource_updated(params: u64): void;

/** The request context the hyper-mcp host passes with every call: `{id, _meta}`. */
export class Context {
  constructor(public id: JsonValue, public meta: JsonValue) {}

  static from(value: JsonValue | null): Context {
    let id: JsonValue | null = null;
    let meta: JsonValue | null = null;
    if (value !== null) {
      id = value.get("id");
      meta = value.get("_meta");
    }
    return new Context(id !== null ? id : JsonValue.null(), meta !== null && meta.isObject ? meta : JsonValue.object());
  }

  /** The client's progress token, or null when it did not ask for progress. */
  get progressToken(): JsonValue | null {
    const token = this.meta.get("progressToken");
    return token !== null && (token.isString || token.isNumber) ? token : null;
  }
}

function jsonBlock(params: JsonValue): u64 {
  return blockFromBytes(params.toJsonBytes());
}

/**
 * `notifications/progress` for this call, if the client sent a progress token (otherwise nothing, as MCP
 * requires). `total` < 0 and `message` "" are left out.
 */
export function notifyProgress(ctx: Context, progress: f64, total: f64 = -1, message: string = ""): void {
  const token = ctx.progressToken;
  if (token === null) return;
  const params = JsonValue.object().set("progressToken", token).setNumber("progress", progress);
  if (total >= 0) params.setNumber("total", total);
  if (message.length > 0) params.setString("message", message);
  const block = jsonBlock(params);
  notify_progress(block);
  free(block);
}

/** `notifications/message` to the client: level is an MCP level (debug, info, notice, warning, error, ...). */
export function notifyLog(level: string, data: JsonValue, logger: string = ""): void {
  const params = JsonValue.object().setString("level", level).set("data", data);
  if (logger.length > 0) params.setString("logger", logger);
  const block = jsonBlock(params);
  notify_logging_message(block);
  free(block);
}

function ask(answer: u64, what: string): JsonValue {
  const text = takeString(answer);
  if (text === null) throw new Error(what + ": the host returned nothing");
  const value = parseJson(text);
  if (value === null) throw new Error(what + ": the host returned invalid JSON: " + lastJsonError);
  return value;
}

/** Sampling (`sampling/createMessage`): MCP CreateMessageRequestParams in, CreateMessageResult out. */
export function createMessage(params: JsonValue): JsonValue {
  return ask(create_message(jsonBlock(params)), "create_message");
}

/** Elicitation (`elicitation/create`): `{mode, message, ...}` in, `{action, content?}` out. */
export function createElicitation(params: JsonValue): JsonValue {
  return ask(create_elicitation(jsonBlock(params)), "create_elicitation");
}

/** The client's roots: `{"roots": [{uri, name?}]}`. */
export function listRoots(): JsonValue {
  return ask(list_roots(), "list_roots");
}

export function notifyToolListChanged(): void {
  notify_tool_list_changed();
}

export function notifyResourceUpdated(uri: string): void {
  const block = jsonBlock(JsonValue.object().setString("uri", uri));
  notify_resource_updated(block);
  free(block);
}
