/** Bridges an SseStream to an HTTP streaming response. */
import type { SseWriter } from "../sse-stream.ts";

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // Stops nginx-style proxies from buffering the stream into one late blob.
  "x-accel-buffering": "no",
} as const;

/**
 * Returns a Response whose body receives whatever is written to the writer handed to `connect`.
 * `connect` runs synchronously, so events written during it are the first bytes the client sees.
 */
export function sseResponse(connect: (writer: SseWriter) => void, headers: Record<string, string> = {}): Response {
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      connect({
        write(chunk) {
          if (!open) return false;
          try {
            controller.enqueue(encoder.encode(chunk));
            return true;
          } catch {
            open = false;
            return false;
          }
        },
        close() {
          if (!open) return;
          open = false;
          try {
            controller.close();
          } catch {
            // already closed by the client going away
          }
        },
      });
    },
    cancel() {
      open = false; // the client disconnected; the stream stays resumable in the session
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
}
