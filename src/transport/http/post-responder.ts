/**
 * Produces the one HTTP response to a POST that carried requests.
 *
 * The reply starts undecided: if every request finishes before anything else needs sending, the client
 * gets plain JSON (cheapest, and what most tool calls need). The moment a request emits a notification or
 * a server->client request, the reply switches to an SSE stream, flushes what is done, and carries the rest.
 */
import type { JsonRpcMessage, JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import { supportsSsePriming, type ProtocolVersion } from "../../protocol/versions.ts";
import type { OutboundChannel } from "../../session/session.ts";
import type { SseStream } from "../sse-stream.ts";
import { sseResponse } from "./sse-response.ts";

export class PostResponder implements OutboundChannel {
  private stream: SseStream | null = null;
  private readonly done: JsonRpcResponse[] = [];
  private remaining: number;
  /** The reply when it was decided before anyone asked for it (every request answered at once). */
  private decided: Response | undefined;
  private settle: ((response: Response) => void) | undefined;
  private pending: Promise<Response> | undefined;

  constructor(
    expected: number,
    private readonly batch: boolean,
    private readonly version: ProtocolVersion,
    private readonly openStream: () => SseStream,
    private readonly retryMs: number,
    private readonly late: OutboundChannel | null,
  ) {
    this.remaining = expected;
  }

  /**
   * The HTTP reply: the Response itself when it is already decided, else a promise of it. The promise is
   * made only when needed: a tool call that finished at once is answered without one (bench/RESULTS.md,
   * "Edge and call path").
   */
  response(): Response | Promise<Response> {
    if (this.decided) return this.decided;
    return (this.pending ??= new Promise((resolve) => (this.settle = resolve)));
  }

  private decide(response: Response): void {
    if (this.settle) this.settle(response);
    else this.decided = response;
  }

  /** Records a final response; the HTTP reply completes with the last one. */
  complete(response: JsonRpcResponse): void {
    this.remaining--;
    if (this.stream) {
      this.stream.send(JSON.stringify(response));
      if (this.remaining === 0) this.stream.finish();
      return;
    }
    this.done.push(response);
    if (this.remaining === 0) {
      const body = this.batch ? this.done : this.done[0];
      this.decide(new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } }));
    }
  }

  /** OutboundChannel: a message related to the requests of this POST (a notification, a request to the client). */
  send(message: JsonRpcMessage): void {
    if (this.remaining === 0) {
      // The requests already answered (e.g. a plugin notifying after returning): fall back to the session stream.
      this.late?.send(message);
      return;
    }
    if (!this.stream) this.switchToSse();
    this.stream!.send(JSON.stringify(message));
  }

  /** OutboundChannel: switches to SSE if needed (so the client has an event id to resume from), then drops the connection. */
  closeStream(): void {
    if (this.remaining === 0) return;
    if (!this.stream) this.switchToSse();
    this.stream!.detach();
  }

  private switchToSse(): void {
    const stream = this.openStream();
    this.stream = stream;
    this.decide(
      sseResponse((writer) => {
        stream.attach(writer);
        if (supportsSsePriming(this.version)) stream.prime(this.retryMs);
        for (const response of this.done.splice(0)) stream.send(JSON.stringify(response));
      }),
    );
  }
}
