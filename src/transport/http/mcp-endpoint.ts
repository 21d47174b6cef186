/**
 * Streamable HTTP (MCP 2025-11-25, also serving 2025-06-18 and 2025-03-26 clients) on one endpoint:
 * POST carries client messages, GET opens or resumes an SSE stream, DELETE ends a session.
 */
import { ANONYMOUS_AUTHENTICATOR } from "../../pipeline/build.ts";
import type { AuthRequest, AuthResult, Authenticator } from "../../pipeline/chain.ts";
import type { CallSource, Principal } from "../../pipeline/types.ts";
import { JSONRPC_CODES, toJsonRpcError } from "../../protocol/errors.ts";
import { classify, errorResponse, type Classified, type JsonRpcRequest } from "../../protocol/jsonrpc.ts";
import { allowsBatches, isSupportedVersion, supportsSsePriming } from "../../protocol/versions.ts";
import type { McpServer } from "../../server/mcp-server.ts";
import type { Session } from "../../session/session.ts";
import { SessionStore } from "../../session/store.ts";
import type { Logger } from "../../log.ts";
import { answerRequest } from "../answer.ts";
import type { ServerConfig } from "../config.ts";
import { makeHostCheck, makeOriginCheck } from "../origin.ts";
import { parseEventId } from "../sse-stream.ts";
import { BodyTooLarge, readBodyText } from "./body.ts";
import { HttpSource, type PeerLookup } from "./http-source.ts";
import { PostResponder } from "./post-responder.ts";
import { SessionStreams } from "./session-streams.ts";
import { sseResponse } from "./sse-response.ts";

const SESSION_HEADER = "mcp-session-id";
const VERSION_HEADER = "mcp-protocol-version";

function httpError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorResponse(null, { code, message })), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function accepts(accept: string | null, type: string): boolean {
  if (!accept) return false;
  return accept.includes(type) || accept.includes("*/*");
}

function principalOrRefusal(result: AuthResult): Principal | Response {
  if (result.ok) return result.principal;
  const headers: Record<string, string> = result.wwwAuthenticate ? { "www-authenticate": result.wwwAuthenticate } : {};
  return httpError(result.status, JSONRPC_CODES.UNAUTHENTICATED, result.message, headers);
}

export class StreamableHttpEndpoint {
  readonly sessions: SessionStore;
  private readonly streams = new Map<string, SessionStreams>();
  private readonly originAllowed: (origin: string | null) => boolean;
  private readonly hostAllowed: (host: string | null) => boolean;
  private readonly keepAlive: ReturnType<typeof setInterval>;

  constructor(
    private readonly server: McpServer,
    private readonly cfg: ServerConfig,
    private readonly log: Logger,
    private readonly authenticator: Authenticator = ANONYMOUS_AUTHENTICATOR,
  ) {
    this.sessions = new SessionStore(cfg.sessionIdleTimeoutMs, cfg.maxSessions, (s) => {
      this.streams.get(s.id)?.closeAll();
      this.streams.delete(s.id);
    });
    this.originAllowed = makeOriginCheck(cfg.allowedOrigins);
    this.hostAllowed = makeHostCheck(cfg.host, cfg.allowedHosts);
    // One timer for all streams: comments keep idle connections alive through proxies, and a session
    // with an open stream counts as active.
    this.keepAlive = setInterval(() => {
      for (const session of this.sessions.all()) {
        let active = false;
        for (const stream of this.streams.get(session.id)?.attached() ?? []) {
          stream.keepAlive();
          active = true;
        }
        if (active) session.touch();
      }
    }, cfg.sseKeepAliveMs);
    this.keepAlive.unref?.();
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.sessions.close();
  }

  /**
   * Checks shared by all three methods; returns a Response when the request must be refused. Takes the
   * Headers once: each `req.headers` read and each `get` is a native call, and POST is the hot path.
   */
  private precheck(headers: Headers): Response | null {
    const origin = headers.get("origin");
    if (!this.originAllowed(origin)) {
      return httpError(403, JSONRPC_CODES.INVALID_REQUEST, `Forbidden: Origin ${origin} is not allowed`);
    }
    const host = headers.get("host");
    if (!this.hostAllowed(host)) {
      return httpError(403, JSONRPC_CODES.INVALID_REQUEST, `Forbidden: Host ${host} is not allowed`);
    }
    const version = headers.get(VERSION_HEADER);
    if (version !== null && !isSupportedVersion(version)) {
      return httpError(400, JSONRPC_CODES.INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version "${version}"`);
    }
    return null;
  }

  /**
   * Authentication, before any body is read: an unauthenticated caller costs a header lookup (and, on a
   * token-cache miss, one verification), never a parse. Answers 401 with WWW-Authenticate on failure.
   * Synchronous when the authenticator is (a cache hit): no promise on the hot path.
   */
  private authenticate(request: AuthRequest): Principal | Response | Promise<Principal | Response> {
    const result = this.authenticator.authenticate(request);
    return result instanceof Promise ? result.then(principalOrRefusal) : principalOrRefusal(result);
  }

  /**
   * The session named by the header, or the Response explaining why there is none. A session presented
   * by another principal than the one that opened it is reported as unknown: its id is not a credential,
   * and saying "exists, but not yours" would confirm a guessed id.
   */
  private sessionOf(id: string | null, principal: Principal): Session | Response {
    if (!id) return httpError(400, JSONRPC_CODES.INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
    const session = this.sessions.get(id);
    if (!session || session.principal?.id !== principal.id) return httpError(404, -32001, "Session not found: initialize a new session");
    return session;
  }

  /** `server` tells the caller's address (Bun's Server); without it the address is unknown. */
  async post(req: Request, server?: PeerLookup): Promise<Response> {
    const headers = req.headers;
    const refused = this.precheck(headers);
    if (refused) return refused;
    // Authentication input and the calls' source in one object; the address is read only if asked for.
    const source = new HttpSource(headers, req, server);
    let principal = this.authenticate(source);
    if (principal instanceof Promise) principal = await principal;
    if (principal instanceof Response) return principal;
    const accept = headers.get("accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      return httpError(406, JSONRPC_CODES.INVALID_REQUEST, "Not Acceptable: Accept must list application/json and text/event-stream");
    }
    const contentType = headers.get("content-type") ?? "";
    if (!contentType.includes("application/json")) {
      return httpError(415, JSONRPC_CODES.INVALID_REQUEST, "Unsupported Media Type: Content-Type must be application/json");
    }
    let text: string;
    try {
      text = await readBodyText(req, this.cfg.maxBodyBytes, headers.get("content-length"));
    } catch (err) {
      if (err instanceof BodyTooLarge) return httpError(413, JSONRPC_CODES.INVALID_REQUEST, `Payload Too Large: ${err.message}`);
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return httpError(400, JSONRPC_CODES.PARSE_ERROR, "Parse error: the body is not valid JSON");
    }
    // One message (the usual POST): classified once, no arrays or closures for it.
    if (!Array.isArray(parsed)) {
      const message = classify(parsed);
      if (message.kind === "request" && message.message.method === "initialize") return this.initialize(message.message, principal);
      const found = this.sessionOf(headers.get(SESSION_HEADER), principal);
      if (found instanceof Response) return found;
      if (message.kind === "invalid") {
        return new Response(JSON.stringify(errorResponse(message.id, toJsonRpcError(message.error))), {
          status: 400,
          headers: { "content-type": "application/json" },
        });
      }
      if (message.kind !== "request") return this.deliver(found, [message], false, principal, source);
      const responder = this.responder(found, 1, false);
      const answer = answerRequest(this.server, found, message.message, responder, this.log, principal, source);
      if (answer instanceof Promise) void answer.then((r) => responder.complete(r));
      else responder.complete(answer);
      return responder.response();
    }

    const items = parsed as unknown[];
    if (items.length === 0) return httpError(400, JSONRPC_CODES.INVALID_REQUEST, "Invalid Request: empty batch");
    const messages = items.map(classify);
    const init = messages.find((m) => m.kind === "request" && m.message.method === "initialize");
    if (init?.kind === "request") {
      if (messages.length > 1) return httpError(400, JSONRPC_CODES.INVALID_REQUEST, "Invalid Request: initialize must be sent alone");
      return this.initialize(init.message, principal);
    }
    const found = this.sessionOf(headers.get(SESSION_HEADER), principal);
    if (found instanceof Response) return found;
    const session = found;
    if (!allowsBatches(session.protocolVersion)) {
      return httpError(400, JSONRPC_CODES.INVALID_REQUEST, `Invalid Request: JSON-RPC batches are not allowed in protocol version ${session.protocolVersion}`);
    }
    return this.deliver(session, messages, true, principal, source);
  }

  private initialize(request: JsonRpcRequest, principal: Principal): Response {
    let created;
    try {
      created = this.server.initialize(request, this.sessions.newId(), principal);
    } catch (err) {
      return new Response(JSON.stringify(errorResponse(request.id, toJsonRpcError(err))), {
        status: 400,
        headers: { "content-type": "application/json" },
      });
    }
    const { session, result } = created;
    if (!this.sessions.add(session)) {
      return httpError(503, JSONRPC_CODES.SERVER_BUSY, "Service Unavailable: too many sessions; retry later", { "retry-after": "5" });
    }
    const streams = new SessionStreams(session.id, this.cfg);
    this.streams.set(session.id, streams);
    session.unrelated = { send: (m) => streams.standalone.send(JSON.stringify(m)) };
    this.log.debug("session created", { session: session.id, version: session.protocolVersion, client: session.clientInfo?.name });
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }), {
      status: 200,
      headers: { "content-type": "application/json", [SESSION_HEADER]: session.id },
    });
  }

  /** Routes notifications and responses, answers requests (JSON or SSE), and 202s when nothing needs an answer. */
  private deliver(session: Session, messages: Classified[], batch: boolean, principal: Principal, source: CallSource): Response | Promise<Response> {
    const requests: JsonRpcRequest[] = [];
    const immediate = [];
    for (const m of messages) {
      if (m.kind === "request") requests.push(m.message);
      else if (m.kind === "notification") this.server.handleNotification(m.message, session);
      else if (m.kind === "response") session.handleResponse(m.message);
      else immediate.push(errorResponse(m.id, toJsonRpcError(m.error)));
    }
    if (requests.length === 0 && immediate.length === 0) return new Response(null, { status: 202 });
    const responder = this.responder(session, requests.length + immediate.length, batch);
    for (const r of immediate) responder.complete(r);
    for (const request of requests) {
      const answer = answerRequest(this.server, session, request, responder, this.log, principal, source);
      if (answer instanceof Promise) void answer.then((r) => responder.complete(r));
      else responder.complete(answer);
    }
    return responder.response();
  }

  private responder(session: Session, expected: number, batch: boolean): PostResponder {
    const streams = this.streams.get(session.id)!;
    return new PostResponder(expected, batch, session.protocolVersion, () => streams.open(), this.cfg.sseRetryMs, session.unrelated);
  }

  async get(req: Request): Promise<Response> {
    const refused = this.precheck(req.headers);
    if (refused) return refused;
    const principal = await this.authenticate({ headers: req.headers });
    if (principal instanceof Response) return principal;
    if (!accepts(req.headers.get("accept"), "text/event-stream")) {
      return httpError(406, JSONRPC_CODES.INVALID_REQUEST, "Not Acceptable: GET needs Accept: text/event-stream");
    }
    const found = this.sessionOf(req.headers.get(SESSION_HEADER), principal);
    if (found instanceof Response) return found;
    const session = found;
    const streams = this.streams.get(session.id)!;
    const lastEventId = req.headers.get("last-event-id");
    if (lastEventId !== null) {
      const parsed = parseEventId(lastEventId);
      const stream = parsed && streams.get(parsed.streamId);
      if (!parsed || !stream) return httpError(400, JSONRPC_CODES.INVALID_REQUEST, `Bad Request: unknown Last-Event-ID "${lastEventId}"`);
      let resumed = false;
      const response = sseResponse((writer) => {
        resumed = stream.resume(writer, parsed.seq);
      });
      if (!resumed) return httpError(400, JSONRPC_CODES.INVALID_REQUEST, "Bad Request: events after that Last-Event-ID are no longer available");
      return response;
    }
    if (streams.standalone.attached) {
      return httpError(409, JSONRPC_CODES.INVALID_REQUEST, "Conflict: this session already has an open GET stream");
    }
    return sseResponse((writer) => {
      streams.standalone.attach(writer);
      if (supportsSsePriming(session.protocolVersion)) streams.standalone.prime(this.cfg.sseRetryMs);
    });
  }

  async delete(req: Request): Promise<Response> {
    const refused = this.precheck(req.headers);
    if (refused) return refused;
    const principal = await this.authenticate({ headers: req.headers });
    if (principal instanceof Response) return principal;
    const found = this.sessionOf(req.headers.get(SESSION_HEADER), principal);
    if (found instanceof Response) return found;
    this.sessions.delete(found.id);
    return new Response(null, { status: 200 });
  }

  /** Sends a notification to every initialized session's standalone stream (list_changed and the like). */
  broadcast(method: string, params?: Record<string, unknown>, filter: (s: Session) => boolean = () => true): void {
    const message = params ? { jsonrpc: "2.0" as const, method, params } : { jsonrpc: "2.0" as const, method };
    for (const session of this.sessions.all()) {
      if (session.initialized && filter(session)) session.unrelated?.send(message);
    }
  }
}

