/**
 * The MCP method dispatcher, shared by every transport. It knows sessions and the catalog of plugins,
 * nothing about HTTP, sockets or framing.
 */
import type { CallToolResult, ClientCapabilities, Implementation, LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../protocol/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { negotiateVersion, type ProtocolVersion } from "../protocol/versions.ts";
import { ANONYMOUS, Chain } from "../pipeline/chain.ts";
import { Call, type CallSource, type Principal, type Target } from "../pipeline/types.ts";
import type { CatalogView, CompleteParams, Entry, RequestScope } from "../registry/types.ts";
import { resolveTarget, targetOf } from "./targets.ts";
import { SandboxError } from "../sandbox/errors.ts";
import { Session, type OutboundChannel } from "../session/session.ts";
import { paginate } from "./pagination.ts";
import { optionalObject, requireObject, requireString, stringRecord } from "./params.ts";

export const SERVER_INFO = { name: "mcp-sidecar", version: "0.1.0" } as const;

export type ToolOutcome = "ok" | "tool_error" | "unknown_tool" | "cancelled" | SandboxError["failure"];

export interface ServerObserver {
  onToolCall(tool: string, outcome: ToolOutcome, durationMs: number): void;
}

export interface McpServerOptions {
  catalog: () => CatalogView;
  pageSize: number;
  instructions?: string;
  observer?: ServerObserver;
  /** The hot-path stages; none by default (tests of the bare data plane). */
  chain?: Chain;
  /** Output DLP for what a call streams (logs, progress) before its result; null drops the message. */
  redactNotification?: (call: Call, message: JsonRpcNotification) => JsonRpcNotification | null;
}

const LOG_LEVELS = new Set(["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);

const DEFAULT_SOURCE: CallSource = Object.freeze({ transport: "http" as const });

export class McpServer {
  private readonly chain: Chain;

  constructor(private readonly opts: McpServerOptions) {
    this.chain = opts.chain ?? new Chain({});
  }

  /** Validates initialize params and builds the session (not yet registered) and the result to send. */
  initialize(request: JsonRpcRequest, sessionId: string, principal: Principal = ANONYMOUS): { session: Session; result: Record<string, unknown> } {
    const params = request.params ?? {};
    if (typeof params.protocolVersion !== "string") {
      throw new GatewayError("invalid_params", 'Invalid params: "protocolVersion" must be a string');
    }
    const version: ProtocolVersion = negotiateVersion(params.protocolVersion);
    const capabilities = (optionalObject(params, "capabilities") ?? {}) as ClientCapabilities;
    const clientInfo = optionalObject(params, "clientInfo") as Implementation | undefined;
    const session = new Session(sessionId, version, clientInfo, capabilities);
    session.principal = principal;
    const result: Record<string, unknown> = {
      protocolVersion: version,
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      serverInfo: SERVER_INFO,
    };
    if (this.opts.instructions) result.instructions = this.opts.instructions;
    return { session, result };
  }

  /**
   * Handles one request through the hot-path chain (src/pipeline/chain.ts); resolves to its result or
   * throws a GatewayError. The principal comes from authentication at the edge.
   *
   * Returns the result itself when every step finished at once (no stage and no plugin call waited), else a
   * promise; a failure may then also be thrown synchronously. Why not always a promise: on a bare tools/call
   * the async layers between the edge and the plugin measured as a large share of the gateway's CPU
   * (bench/RESULTS.md, "Edge and call path").
   */
  handleRequest(
    request: JsonRpcRequest,
    session: Session,
    channel: OutboundChannel,
    principal: Principal = session.principal ?? ANONYMOUS,
    source: CallSource = DEFAULT_SOURCE,
  ): unknown {
    const cancellation = session.beginRequest(request.id);
    let result: unknown;
    try {
      const call = new Call(request, session, principal, source);
      const scope: RequestScope = {
        session,
        requestId: request.id,
        signal: cancellation,
        meta: optionalObject(request.params, "_meta"),
        channel: this.screened(channel, call),
        usage: call,
        principal,
      };
      const catalog = this.opts.catalog();
      call.target = resolveTarget(request, catalog);
      result = this.chain.runNow(call, () => this.dispatch(request, scope, catalog, call));
    } catch (err) {
      session.endRequest(request.id);
      throw err;
    }
    if (!(result instanceof Promise)) {
      session.endRequest(request.id);
      return result;
    }
    return result.then(
      (value) => {
        session.endRequest(request.id);
        return value;
      },
      (err) => {
        session.endRequest(request.id);
        throw err;
      },
    );
  }

  /** The request's channel with its notifications passed through output DLP, when DLP is on. */
  private screened(channel: OutboundChannel, call: Call): OutboundChannel {
    const redact = this.opts.redactNotification;
    if (!redact) return channel;
    return {
      send: (message) => {
        if (!("method" in message) || "id" in message) return channel.send(message); // requests to the client pass as they are
        const screened = redact(call, message as JsonRpcNotification);
        if (screened) channel.send(screened);
      },
      closeStream: channel.closeStream && (() => channel.closeStream!()),
    };
  }

  handleNotification(message: JsonRpcNotification, session: Session): void {
    switch (message.method) {
      case "notifications/initialized":
        session.initialized = true;
        return;
      case "notifications/cancelled": {
        const requestId = message.params?.requestId;
        if (typeof requestId === "string" || typeof requestId === "number") {
          const reason = typeof message.params?.reason === "string" ? message.params.reason : "cancelled by the client";
          session.cancel(requestId, reason);
        }
        return;
      }
      default:
        // Unknown notifications are ignored, as JSON-RPC requires (no response may be sent).
        return;
    }
  }

  private dispatch(request: JsonRpcRequest, scope: RequestScope, catalog: CatalogView, call: Call): Promise<unknown> | unknown {
    const params = request.params;
    const visible = <T>(entries: readonly Entry<T>[], kind: Target["kind"], key: (item: T) => string): readonly Entry<T>[] =>
      call.visible ? entries.filter((e) => call.visible!(targetOf(kind, key(e.item), e.provider))) : entries;
    switch (request.method) {
      case "ping":
        return {};
      case "initialize":
        throw new GatewayError("invalid_request", "Invalid Request: the session is already initialized");
      case "tools/list": {
        const page = paginate(visible(catalog.tools, "tool", (t) => t.name), params?.cursor, this.opts.pageSize);
        return withCursor({ tools: page.items.map((e) => e.item) }, page.nextCursor);
      }
      case "tools/call":
        return this.callTool(catalog, scope, call);
      case "resources/list": {
        const page = paginate(visible(catalog.resources, "resource", (r) => r.uri), params?.cursor, this.opts.pageSize);
        return withCursor({ resources: page.items.map((e) => e.item) }, page.nextCursor);
      }
      case "resources/templates/list": {
        const page = paginate(visible(catalog.resourceTemplates, "resource", (r) => r.uriTemplate), params?.cursor, this.opts.pageSize);
        return withCursor({ resourceTemplates: page.items.map((e) => e.item) }, page.nextCursor);
      }
      case "resources/read": {
        const uri = requireString(params, "uri");
        const provider = catalog.resourceProvider(uri);
        if (!provider) throw new GatewayError("resource_not_found", `Resource not found: ${uri}`, { uri });
        return asGatewayCall(provider.readResource(uri, scope));
      }
      case "resources/subscribe":
        scope.session.subscriptions.add(requireString(params, "uri"));
        return {};
      case "resources/unsubscribe":
        scope.session.subscriptions.delete(requireString(params, "uri"));
        return {};
      case "prompts/list": {
        const page = paginate(visible(catalog.prompts, "prompt", (p) => p.name), params?.cursor, this.opts.pageSize);
        return withCursor({ prompts: page.items.map((e) => e.item) }, page.nextCursor);
      }
      case "prompts/get": {
        const name = requireString(params, "name");
        const entry = catalog.prompt(name);
        if (!entry) throw new GatewayError("invalid_params", `Unknown prompt: ${name}`);
        const args = stringRecord(call.args, "arguments");
        return asGatewayCall(entry.provider.getPrompt(name, args, scope));
      }
      case "completion/complete":
        return this.complete(catalog, scope, params);
      case "logging/setLevel": {
        const level = requireString(params, "level");
        if (!LOG_LEVELS.has(level)) throw new GatewayError("invalid_params", `Invalid params: unknown logging level "${level}"`);
        scope.session.logLevel = level as LoggingLevel;
        return {};
      }
      default:
        throw new GatewayError("method_not_found", `Method not found: ${request.method}`);
    }
  }

  /** The tool's result: a plain value when the provider answered at once, else a promise (handleRequest says why). */
  private callTool(catalog: CatalogView, scope: RequestScope, call: Call): CallToolResult | Promise<CallToolResult> {
    const started = performance.now();
    const name = requireString(call.request.params, "name");
    const entry = catalog.tool(name);
    if (!entry) {
      this.opts.observer?.onToolCall(name, "unknown_tool", performance.now() - started);
      call.outcome = "unknown_tool";
      throw new GatewayError("invalid_params", `Unknown tool: ${name}`);
    }
    // The arguments as the firewall left them (it may have normalised them).
    let result: CallToolResult | Promise<CallToolResult>;
    try {
      result = entry.provider.callTool(name, call.args, scope);
    } catch (err) {
      return this.toolFailed(name, scope, call, started, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.toolDone(name, call, started, r.isError ? "tool_error" : "ok", r),
        (err) => this.toolFailed(name, scope, call, started, err),
      );
    }
    return this.toolDone(name, call, started, result.isError ? "tool_error" : "ok", result);
  }

  private toolDone<T>(name: string, call: Call, started: number, outcome: ToolOutcome, result: T): T {
    call.outcome = outcome;
    this.opts.observer?.onToolCall(name, outcome, performance.now() - started);
    return result;
  }

  /** A failed tool call: a result the model can read for sandbox failures, a thrown GatewayError otherwise. */
  private toolFailed(name: string, scope: RequestScope, call: Call, started: number, err: unknown): CallToolResult {
    if (scope.signal.aborted) {
      this.toolDone(name, call, started, "cancelled", undefined);
      throw new GatewayError("cancelled", "Request cancelled");
    }
    if (err instanceof SandboxError) {
      // A failing tool is a result the model can read and react to, not a protocol error.
      return this.toolDone(name, call, started, err.failure, {
        content: [{ type: "text", text: `Tool "${name}" failed: ${err.message}` }],
        isError: true,
      });
    }
    // Anything else is the gateway's own bug, not the tool's: counted with outcome "ok", then rethrown.
    this.toolDone(name, call, started, "ok", undefined);
    throw err;
  }

  private complete(catalog: CatalogView, scope: RequestScope, params: Record<string, unknown> | undefined): Promise<unknown> {
    const ref = requireObject(params, "ref") as CompleteParams["ref"];
    const argument = requireObject(params, "argument") as CompleteParams["argument"];
    if (typeof argument.name !== "string" || typeof argument.value !== "string") {
      throw new GatewayError("invalid_params", 'Invalid params: "argument" needs string "name" and "value"');
    }
    let provider;
    if (ref.type === "ref/prompt" && typeof ref.name === "string") provider = catalog.prompt(ref.name)?.provider;
    else if (ref.type === "ref/resource" && typeof ref.uri === "string") provider = catalog.resourceProvider(ref.uri);
    else throw new GatewayError("invalid_params", 'Invalid params: "ref" must be {type:"ref/prompt",name} or {type:"ref/resource",uri}');
    if (!provider) throw new GatewayError("invalid_params", `Nothing to complete for ${ref.name ?? ref.uri}`);
    const context = optionalObject(params, "context") as CompleteParams["context"];
    return asGatewayCall(provider.complete({ ref, argument, context }, scope));
  }
}

function withCursor<T extends Record<string, unknown>>(body: T, nextCursor: string | undefined): T {
  return nextCursor ? { ...body, nextCursor } : body;
}

/** Non-tool plugin calls that fail are protocol errors (there is no isError result for them). */
async function asGatewayCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof SandboxError) {
      throw new GatewayError(err.failure === "busy" ? "busy" : err.failure === "cancelled" ? "cancelled" : "internal", `Plugin failed: ${err.message}`);
    }
    throw err;
  }
}
