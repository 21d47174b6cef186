/**
 * One client on a message-framed transport (a WebSocket frame or a stdio line carries one JSON-RPC
 * message or batch). Unlike Streamable HTTP, the connection IS the session: it starts with initialize,
 * every reply goes back down the same pipe, and the session ends when the connection does.
 *
 * WebSocket and stdio differ only in framing and in how they end a connection, so both feed text to
 * this class and give it a FrameSink; the dispatching itself is McpServer's, as for HTTP.
 */
import type { CallSource, Principal } from "../pipeline/types.ts";
import { GatewayError, JSONRPC_CODES, toJsonRpcError } from "../protocol/errors.ts";
import { classify, errorResponse, type Classified, type JsonRpcMessage, type JsonRpcResponse } from "../protocol/jsonrpc.ts";
import { allowsBatches } from "../protocol/versions.ts";
import type { McpServer } from "../server/mcp-server.ts";
import type { OutboundChannel, Session } from "../session/session.ts";
import type { Logger } from "../log.ts";
import { answerRequest } from "./answer.ts";

/** Why a transport should end the connection; the WebSocket maps these to close codes. */
export type FailReason = "protocol" | "too_large";

export interface FrameSink {
  /** Writes one frame (WebSocket message, stdio line). */
  send(text: string): void;
  /**
   * Ends the connection after a violation it cannot recover from. Absent when the transport prefers
   * to keep going (stdio: the client is our parent process, closing on it helps nobody).
   */
  fail?(reason: FailReason, message: string): void;
}

export interface ConnectionOptions {
  /** Largest message accepted, in UTF-8 bytes (server.maxBodyBytes, as for an HTTP body). */
  maxMessageBytes: number;
  newSessionId(): string;
  /** Who is on the other end (authenticated when the connection was opened) and over what. */
  principal: Principal;
  source: CallSource;
  /** Called once the session exists; returns what to call when the connection ends (hub registration). */
  onSession?(session: Session): () => void;
}

export class JsonRpcConnection {
  session: Session | null = null;
  /** Server -> client messages, whether replies, request-scoped notifications or broadcasts. */
  readonly channel: OutboundChannel;
  private readonly inflight = new Set<Promise<void>>();
  private release: (() => void) | undefined;
  /** Set once the connection failed or closed: frames still in the pipe are ignored. */
  private ended = false;

  constructor(
    private readonly server: McpServer,
    private readonly sink: FrameSink,
    private readonly opts: ConnectionOptions,
    private readonly log: Logger,
  ) {
    this.channel = { send: (message) => this.write(message) };
  }

  /** Handles one frame of text. Never throws: every problem becomes an error message to the client. */
  receive(text: string): void {
    if (this.ended) return;
    if (exceeds(text, this.opts.maxMessageBytes)) return this.tooLarge();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Fatal only before initialize (on a transport that closes): the first message must be initialize.
      return this.reject(new GatewayError("parse_error", "Parse error: the message is not valid JSON"), null, !this.session);
    }
    if (!this.session) return this.initialize(parsed);
    if (!Array.isArray(parsed)) return this.deliver(classify(parsed), (r) => this.write(r));
    if (!allowsBatches(this.session.protocolVersion)) {
      return this.reject(new GatewayError("invalid_request", `Invalid Request: JSON-RPC batches are not allowed in protocol version ${this.session.protocolVersion}`), null);
    }
    if (parsed.length === 0) return this.reject(new GatewayError("invalid_request", "Invalid Request: empty batch"), null);
    this.deliverBatch(parsed.map(classify));
  }

  /** A frame or line over the limit, found by the transport before it was even decoded. */
  tooLarge(): void {
    const message = `Payload Too Large: a message exceeds the ${this.opts.maxMessageBytes}-byte limit`;
    this.write(errorResponse(null, { code: JSONRPC_CODES.INVALID_REQUEST, message }));
    this.fail("too_large", message);
  }

  /** Resolves when no request of this connection is running any more. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  get pending(): number {
    return this.inflight.size;
  }

  /** The connection is gone: cancel calls in flight, fail requests waiting on the client, leave the hub. */
  close(): void {
    this.ended = true;
    this.session?.close();
    this.release?.();
    this.release = undefined;
  }

  /** Before the session exists the only acceptable message is a lone, valid initialize request. */
  private initialize(parsed: unknown): void {
    const first = Array.isArray(parsed) ? null : classify(parsed);
    if (first?.kind !== "request" || first.message.method !== "initialize") {
      const error = new GatewayError("invalid_request", "Invalid Request: the first message must be an initialize request");
      // JSON-RPC forbids answering a notification; a transport that keeps the connection just drops it.
      if (first?.kind === "notification" && !this.sink.fail) return this.log.warn("notification before initialize dropped", { method: first.message.method });
      const id = first?.kind === "request" ? first.message.id : first?.kind === "invalid" ? first.id : null;
      return this.reject(error, id, true);
    }
    const request = first.message;
    let created;
    try {
      created = this.server.initialize(request, this.opts.newSessionId(), this.opts.principal);
    } catch (err) {
      return this.reject(err, request.id, true);
    }
    const { session, result } = created;
    session.unrelated = this.channel;
    this.session = session;
    this.release = this.opts.onSession?.(session);
    this.log.debug("session created", { session: session.id, version: session.protocolVersion, client: session.clientInfo?.name });
    this.write({ jsonrpc: "2.0", id: request.id, result });
  }

  /** Routes one message; `reply` receives the response when it is a request (or an invalid message). */
  private deliver(m: Classified, reply: (r: JsonRpcResponse) => void): void {
    const session = this.session!;
    switch (m.kind) {
      case "request": {
        const work = Promise.resolve(answerRequest(this.server, session, m.message, this.channel, this.log, this.opts.principal, this.opts.source)).then(reply);
        this.inflight.add(work);
        void work.finally(() => this.inflight.delete(work));
        return;
      }
      case "notification":
        return this.server.handleNotification(m.message, session);
      case "response":
        if (!session.handleResponse(m.message)) this.log.debug("response to no pending request", { session: session.id, id: m.message.id });
        return;
      case "invalid":
        return reply(errorResponse(m.id, toJsonRpcError(m.error)));
    }
  }

  /** A 2025-03-26 batch: one array back with the responses to its requests, none if it had none. */
  private deliverBatch(messages: Classified[]): void {
    const expected = messages.filter((m) => m.kind === "request" || m.kind === "invalid").length;
    if (expected === 0) {
      for (const m of messages) this.deliver(m, () => {});
      return;
    }
    const responses: JsonRpcResponse[] = [];
    const collect = (r: JsonRpcResponse) => {
      responses.push(r);
      if (responses.length === expected) this.sink.send(JSON.stringify(responses));
    };
    for (const m of messages) this.deliver(m, collect);
  }

  private reject(err: unknown, id: JsonRpcResponse["id"] | null, fatal = false): void {
    const error = toJsonRpcError(err);
    this.write(errorResponse(id, error));
    if (fatal) this.fail("protocol", error.message);
  }

  private fail(reason: FailReason, message: string): void {
    if (!this.sink.fail) return;
    this.ended = true;
    this.sink.fail(reason, message);
  }

  private write(message: JsonRpcMessage): void {
    this.sink.send(JSON.stringify(message));
  }
}

/**
 * UTF-8 length over `limit`, without encoding when the answer is obvious: a UTF-16 code unit is 1 to 3
 * UTF-8 bytes (a surrogate pair, 2 units, is 4 bytes), so length <= bytes <= 3 * length.
 */
function exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return Buffer.byteLength(text, "utf8") > limit;
}
