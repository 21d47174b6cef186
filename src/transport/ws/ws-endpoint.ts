/**
 * MCP over WebSocket at /mcp/ws: one JSON-RPC message (or 2025-03-26 batch) per text frame, and the
 * connection is the session (no Mcp-Session-Id, no resumption: a client that loses the socket
 * initializes again).
 *
 * Bun's native WebSocket server rather than hono/bun's helper: the helper wraps every socket and every
 * message in adapter objects for no gain here, and is deprecated. Hono still routes the upgrade request,
 * so the HTTP edge stays in one place.
 */
import { ANONYMOUS_AUTHENTICATOR } from "../../pipeline/build.ts";
import type { Authenticator } from "../../pipeline/chain.ts";
import type { Principal } from "../../pipeline/types.ts";
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { JSONRPC_CODES } from "../../protocol/errors.ts";
import { errorResponse } from "../../protocol/jsonrpc.ts";
import type { McpServer } from "../../server/mcp-server.ts";
import type { SessionHub } from "../../session/hub.ts";
import type { Logger } from "../../log.ts";
import type { ServerConfig } from "../config.ts";
import { JsonRpcConnection, type FailReason } from "../connection.ts";
import { makeHostCheck, makeOriginCheck } from "../origin.ts";

export interface WsData {
  connection?: JsonRpcConnection;
  /** Authenticated at upgrade: a WebSocket carries one identity for its whole life. */
  principal: Principal;
  address?: string;
}

/** RFC 6455 close codes. */
const CLOSE = { GOING_AWAY: 1001, PROTOCOL_ERROR: 1002, UNSUPPORTED_DATA: 1003, TOO_BIG: 1009 } as const;
const FAIL_CODES: Record<FailReason, number> = { protocol: CLOSE.PROTOCOL_ERROR, too_large: CLOSE.TOO_BIG };

function refuse(status: number, message: string, wwwAuthenticate?: string): Response {
  const code = status === 401 ? JSONRPC_CODES.UNAUTHENTICATED : JSONRPC_CODES.INVALID_REQUEST;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (wwwAuthenticate) headers["www-authenticate"] = wwwAuthenticate;
  return new Response(JSON.stringify(errorResponse(null, { code, message })), { status, headers });
}

/** Close reasons are limited to 123 bytes on the wire; keep them short and ASCII. */
function closeReason(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}

export class WebSocketEndpoint {
  readonly handler: WebSocketHandler<WsData>;
  private readonly sockets = new Set<ServerWebSocket<WsData>>();
  private readonly originAllowed: (origin: string | null) => boolean;
  private readonly hostAllowed: (host: string | null) => boolean;

  constructor(
    private readonly server: McpServer,
    private readonly cfg: ServerConfig,
    private readonly hub: SessionHub,
    private readonly log: Logger,
    private readonly authenticator: Authenticator = ANONYMOUS_AUTHENTICATOR,
  ) {
    this.originAllowed = makeOriginCheck(cfg.allowedOrigins);
    this.hostAllowed = makeHostCheck(cfg.host, cfg.allowedHosts);
    this.handler = {
      open: (ws) => this.open(ws),
      message: (ws, data) => {
        if (typeof data !== "string") {
          ws.close(CLOSE.UNSUPPORTED_DATA, "binary frames are not supported: send one JSON-RPC message per text frame");
          return;
        }
        ws.data.connection!.receive(data);
      },
      close: (ws) => {
        this.sockets.delete(ws);
        ws.data.connection?.close();
      },
      // Frames up to maxBodyBytes reach receive(), which answers an oversized one with a JSON-RPC error
      // before closing with 1009; Bun drops anything past twice that with a bare 1009 before buffering it.
      maxPayloadLength: 2 * cfg.maxBodyBytes,
      // A client that stops reading would otherwise grow our send buffer (or lose replies silently).
      closeOnBackpressureLimit: true,
    };
  }

  /** Number of open WebSocket connections (each is one session once initialized). */
  get size(): number {
    return this.sockets.size;
  }

  /**
   * The GET /mcp/ws handler. Origin and Host are checked here, before the upgrade, with the same rules
   * as HTTP: after the upgrade a browser page could talk to us freely (WebSockets are not subject to CORS).
   * `env` is what Hono calls the second argument of fetch: for Bun.serve, the Bun server.
   */
  async upgrade(req: Request, env: unknown): Promise<Response> {
    const origin = req.headers.get("origin");
    if (!this.originAllowed(origin)) return refuse(403, `Forbidden: Origin ${origin} is not allowed`);
    const host = req.headers.get("host");
    if (!this.hostAllowed(host)) return refuse(403, `Forbidden: Host ${host} is not allowed`);
    if (this.sockets.size >= this.cfg.maxSessions) return refuse(503, "Service Unavailable: too many sessions; retry later");
    const bun = env as Server<WsData> | undefined;
    if (typeof bun?.upgrade !== "function") throw new Error("WebSocketEndpoint.upgrade needs the Bun server (fetch's second argument)");
    const address = bun.requestIP(req)?.address;
    let auth = this.authenticator.authenticate({ headers: req.headers, address });
    if (auth instanceof Promise) auth = await auth;
    if (!auth.ok) return refuse(auth.status, auth.message, auth.wwwAuthenticate);
    if (!bun.upgrade(req, { data: { principal: auth.principal, address } })) return refuse(426, "Upgrade Required: connect with a WebSocket client");
    // Bun ignores the response of a request it upgraded; Hono needs one to finish the handler.
    return new Response(null);
  }

  /** Closes every connection (server shutdown); their sessions end and in-flight calls are cancelled. */
  close(): void {
    for (const ws of this.sockets) ws.close(CLOSE.GOING_AWAY, "server shutting down");
  }

  private open(ws: ServerWebSocket<WsData>): void {
    this.sockets.add(ws);
    ws.data.connection = new JsonRpcConnection(
      this.server,
      {
        send: (text) => void ws.send(text),
        fail: (reason, message) => ws.close(FAIL_CODES[reason], closeReason(message)),
      },
      {
        maxMessageBytes: this.cfg.maxBodyBytes,
        newSessionId: () => crypto.randomUUID(),
        principal: ws.data.principal,
        source: { transport: "websocket", address: ws.data.address },
        onSession: (session) => this.hub.track(session),
      },
      this.log,
    );
  }
}
