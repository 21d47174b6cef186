/** Turns a request's outcome into its JSON-RPC response; shared by every transport. */
import { GatewayError, toJsonRpcError } from "../protocol/errors.ts";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse } from "../protocol/jsonrpc.ts";
import type { McpServer } from "../server/mcp-server.ts";
import type { OutboundChannel, Session } from "../session/session.ts";
import type { Logger } from "../log.ts";
import type { CallSource, Principal } from "../pipeline/types.ts";

export async function answerRequest(
  server: McpServer,
  session: Session,
  request: JsonRpcRequest,
  channel: OutboundChannel,
  log: Logger,
  principal: Principal,
  source: CallSource,
): Promise<JsonRpcResponse> {
  try {
    return resultResponse(request.id, await server.handleRequest(request, session, channel, principal, source));
  } catch (err) {
    if (!(err instanceof GatewayError)) log.error("request failed", { method: request.method, error: String((err as Error)?.stack ?? err) });
    return errorResponse(request.id, toJsonRpcError(err));
  }
}
