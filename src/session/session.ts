/**
 * What the gateway remembers about one MCP client between messages, whatever the transport: negotiated
 * version, client capabilities, logging level, subscriptions, requests in flight (for cancellation) and
 * requests the server sent the client (for correlating its answers).
 */
import type { ClientCapabilities, Implementation, LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError, type JsonRpcErrorObject } from "../protocol/errors.ts";
import type { JsonRpcMessage, JsonRpcResponse, RequestId } from "../protocol/jsonrpc.ts";
import type { ProtocolVersion } from "../protocol/versions.ts";
import type { Principal } from "../pipeline/types.ts";
import type { CancelSignal } from "../sandbox/call-state.ts";
import { RequestCancellation } from "./cancellation.ts";

/** Where messages to the client go: a POST's response stream, a WebSocket, stdout... */
export interface OutboundChannel {
  send(message: JsonRpcMessage): void;
  /**
   * Ends the HTTP connection carrying this request's stream while keeping the stream resumable
   * (SEP-1699 polling): the client reconnects with Last-Event-ID and gets the rest. Absent where the
   * transport has no such notion (WebSocket, stdio).
   */
  closeStream?(): void;
}

interface PendingClientRequest {
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

/** Error the client returned to a server-initiated request. */
export class ClientRequestError extends Error {
  constructor(readonly error: JsonRpcErrorObject) {
    super(`the client answered with error ${error.code}: ${error.message}`);
  }
}

const LOG_LEVELS: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

export class Session {
  initialized = false;
  /** Until logging/setLevel, send nothing below this (the client did not ask for chatter). */
  logLevel: LoggingLevel = "info";
  readonly subscriptions = new Set<string>();
  lastActive = Date.now();
  private readonly inflight = new Map<RequestId, RequestCancellation>();
  private readonly pending = new Map<RequestId, PendingClientRequest>();
  private nextOutgoingId = 0;
  /** Messages unrelated to any request (list_changed, resource updates); set by the transport. */
  unrelated: OutboundChannel | null = null;
  closed = false;
  /**
   * Who opened the session (set at initialize). Later requests must come from the same principal: a
   * session id is not a credential, so another identity presenting it is treated as an unknown session.
   */
  principal: Principal | undefined;

  constructor(
    readonly id: string,
    readonly protocolVersion: ProtocolVersion,
    readonly clientInfo: Implementation | undefined,
    readonly clientCapabilities: ClientCapabilities,
  ) {}

  touch(): void {
    this.lastActive = Date.now();
  }

  wantsLog(level: LoggingLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.logLevel);
  }

  /** Registers a request so notifications/cancelled can abort it. */
  beginRequest(id: RequestId): RequestCancellation {
    const cancellation = new RequestCancellation();
    this.inflight.set(id, cancellation);
    return cancellation;
  }

  endRequest(id: RequestId): void {
    this.inflight.delete(id);
  }

  cancel(id: RequestId, reason: string): boolean {
    const cancellation = this.inflight.get(id);
    if (!cancellation) return false;
    cancellation.abort(new GatewayError("cancelled", reason));
    return true;
  }

  /** Sends a request to the client on `channel` and waits for its answer (or the signal). */
  request(channel: OutboundChannel, method: string, params: Record<string, unknown>, signal?: CancelSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new GatewayError("internal", "the session is closed"));
    const id = `s${++this.nextOutgoingId}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        channel.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: "the originating call ended" } });
        reject(signal?.reason ?? new GatewayError("cancelled", "cancelled"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      });
      channel.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** Routes a client's response to the server request it answers. False if nobody was waiting for it. */
  handleResponse(response: JsonRpcResponse): boolean {
    const waiter = this.pending.get(response.id);
    if (!waiter) return false;
    this.pending.delete(response.id);
    if (response.error) waiter.reject(new ClientRequestError(response.error));
    else waiter.resolve(response.result);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.inflight.values()) controller.abort(new GatewayError("cancelled", "the session ended"));
    this.inflight.clear();
    for (const waiter of this.pending.values()) waiter.reject(new GatewayError("cancelled", "the session ended"));
    this.pending.clear();
  }
}
