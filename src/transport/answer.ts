/** Turns a request's outcome into its JSON-RPC response; shared by every transport. */
import { GatewayError, toJsonRpcError } from "../protocol/errors.ts";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse } from "../protocol/jsonrpc.ts";
import type { McpServer } from "../server/mcp-server.ts";
import type { OutboundChannel, Session } from "../session/session.ts";
import type { Logger } from "../log.ts";
import type { CallSource, Principal } from "../pipeline/types.ts";

/**
 * The response to `request`: the value itself when the server answered at once (server.handleRequest says
 * why), else a promise of it. Never throws: a failure becomes its JSON-RPC error response.
 */
export function answerRequest(
  server: McpServer,
  session: Session,
  request: JsonRpcRequest,
  channel: OutboundChannel,
  log: Logger,
  principal: Principal,
  source: CallSource,
): JsonRpcResponse | Promise<JsonRpcResponse> {
  let result: unknown;
  try {
    result = server.handleRequest(request, session, channel, principal, source);
  } catch (err) {
    return failed(request, err, log);
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => resultResponse(request.id, value),
      (err) => failed(request, err, log),
    );
  }
  return resultResponse(request.id, result);
}

function failed(request: JsonRpcRequest, err: unknown, log: Logger): JsonRpcResponse {
  if (!(err instanceof GatewayError)) log.error("request failed", { method: request.method, error: String((err as Error)?.stack ?? err) });
  return errorResponse(request.id, toJsonRpcError(err));
}
