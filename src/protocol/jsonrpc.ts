/**
 * JSON-RPC 2.0 framing: classify an already-parsed value into request / notification / response,
 * and build replies. Hand-written rather than zod-validated because it runs on every message and
 * the checks are a handful of typeof tests.
 */
import { GatewayError, type JsonRpcErrorObject } from "./errors.ts";

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: RequestId;
  result?: unknown;
  error?: JsonRpcErrorObject;
}
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type Classified =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcResponse }
  /** Not a valid message; `id` is kept when recoverable so the error can be correlated. */
  | { kind: "invalid"; id: RequestId | null; error: GatewayError };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isValidId(id: unknown): id is RequestId {
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

export function classify(value: unknown): Classified {
  if (!isRecord(value)) {
    return { kind: "invalid", id: null, error: new GatewayError("invalid_request", "Invalid Request: a JSON-RPC message must be an object") };
  }
  const rawId = value.id;
  const id = isValidId(rawId) ? rawId : null;
  if (value.jsonrpc !== "2.0") {
    return { kind: "invalid", id, error: new GatewayError("invalid_request", 'Invalid Request: "jsonrpc" must be "2.0"') };
  }
  if ("method" in value) {
    if (typeof value.method !== "string" || value.method.length === 0) {
      return { kind: "invalid", id, error: new GatewayError("invalid_request", 'Invalid Request: "method" must be a non-empty string') };
    }
    if (value.params !== undefined && !isRecord(value.params)) {
      // MCP only ever uses by-name params; positional arrays are a client bug worth naming.
      return { kind: "invalid", id, error: new GatewayError("invalid_request", 'Invalid Request: "params" must be an object') };
    }
    if (!("id" in value)) return { kind: "notification", message: value as unknown as JsonRpcNotification };
    if (id === null) {
      return { kind: "invalid", id: null, error: new GatewayError("invalid_request", 'Invalid Request: "id" must be a string or a number') };
    }
    return { kind: "request", message: value as unknown as JsonRpcRequest };
  }
  if (id !== null && ("result" in value || isRecord(value.error))) {
    return { kind: "response", message: value as unknown as JsonRpcResponse };
  }
  return { kind: "invalid", id, error: new GatewayError("invalid_request", 'Invalid Request: missing "method" (or "result"/"error" for a response)') };
}

export function resultResponse(id: RequestId, result: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

export function errorResponse(id: RequestId | null, error: JsonRpcErrorObject): JsonRpcResponse {
  // JSON-RPC requires id: null when the request id could not be determined.
  return { jsonrpc: "2.0", id: id as RequestId, error };
}

export function notification(method: string, params?: Record<string, unknown>): JsonRpcNotification {
  return params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
}
