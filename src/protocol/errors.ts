/**
 * Errors the gateway raises while handling a message, kept apart from their wire form.
 *
 * Stages and handlers throw (or return) a GatewayError with a `kind` that says what went wrong in our terms;
 * `toJsonRpcError` is the one place that decides which JSON-RPC code a client sees for each kind, so the
 * mapping stays consistent across HTTP, WebSocket and stdio.
 */
export type GatewayErrorKind =
  | "parse_error" // body is not JSON
  | "invalid_request" // JSON, but not a JSON-RPC request/notification/response
  | "method_not_found"
  | "invalid_params" // bad params, unknown tool/resource/prompt, bad cursor
  | "resource_not_found"
  | "busy" // a plugin's queue is full
  | "cancelled"
  | "unauthenticated" // no or bad credentials (HTTP transports answer 401 before JSON-RPC)
  | "denied" // a policy said no
  | "approval_required" // a policy requires an approval the call does not carry
  | "rate_limited" // a budget is spent; `data.retryAfterMs` says when to retry
  | "blocked" // the firewall or DLP refused the arguments or the result
  | "quarantined" // the tool's description changed since it was approved
  | "internal";

export const JSONRPC_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** MCP: resources/read of a URI nobody serves. */
  RESOURCE_NOT_FOUND: -32002,
  /** Implementation-defined server error range: the gateway is overloaded, retry later. */
  SERVER_BUSY: -32000,
  REQUEST_CANCELLED: -32800,
  /** Implementation-defined server errors (-32000..-32099) for the hot-path stages' refusals. */
  UNAUTHENTICATED: -32010,
  DENIED: -32011,
  APPROVAL_REQUIRED: -32012,
  RATE_LIMITED: -32013,
  BLOCKED: -32014,
  QUARANTINED: -32015,
} as const;

export class GatewayError extends Error {
  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export function toJsonRpcError(err: unknown): JsonRpcErrorObject {
  if (!(err instanceof GatewayError)) {
    // Never leak stack traces or internals to a client; the log has them.
    return { code: JSONRPC_CODES.INTERNAL_ERROR, message: "Internal error" };
  }
  const base = (code: number): JsonRpcErrorObject =>
    err.data === undefined ? { code, message: err.message } : { code, message: err.message, data: err.data };
  switch (err.kind) {
    case "parse_error":
      return base(JSONRPC_CODES.PARSE_ERROR);
    case "invalid_request":
      return base(JSONRPC_CODES.INVALID_REQUEST);
    case "method_not_found":
      return base(JSONRPC_CODES.METHOD_NOT_FOUND);
    case "invalid_params":
      return base(JSONRPC_CODES.INVALID_PARAMS);
    case "resource_not_found":
      return base(JSONRPC_CODES.RESOURCE_NOT_FOUND);
    case "busy":
      return base(JSONRPC_CODES.SERVER_BUSY);
    case "cancelled":
      return base(JSONRPC_CODES.REQUEST_CANCELLED);
    case "unauthenticated":
      return base(JSONRPC_CODES.UNAUTHENTICATED);
    case "denied":
      return base(JSONRPC_CODES.DENIED);
    case "approval_required":
      return base(JSONRPC_CODES.APPROVAL_REQUIRED);
    case "rate_limited":
      return base(JSONRPC_CODES.RATE_LIMITED);
    case "blocked":
      return base(JSONRPC_CODES.BLOCKED);
    case "quarantined":
      return base(JSONRPC_CODES.QUARANTINED);
    case "internal":
      return base(JSONRPC_CODES.INTERNAL_ERROR);
    default: {
      const unreachable: never = err.kind;
      return { code: JSONRPC_CODES.INTERNAL_ERROR, message: String(unreachable) };
    }
  }
}
