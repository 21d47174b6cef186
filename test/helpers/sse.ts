/** Reads a whole SSE response (until the server closes it) into events, for raw transport tests. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

export function parseSse(text: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split("\n\n")) {
    if (!block.trim()) continue;
    const event: SseEvent = { data: "" };
    let isEvent = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      isEvent = true;
      if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
      else if (field === "data") event.data += value;
      else if (field === "retry") event.retry = Number(value);
    }
    if (isEvent) events.push(event);
  }
  return { events, comments };
}

/** JSON-RPC messages carried by the events (priming events with empty data are skipped). */
export function messagesOf(events: SseEvent[]): any[] {
  return events.filter((e) => e.data.trim() !== "").map((e) => JSON.parse(e.data));
}

/** Reads SSE chunks until `until` is satisfied by the text so far, then cancels the stream. */
export async function readSseUntil(res: Response, until: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!until(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting on SSE; got: ${text}`);
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  void reader.cancel();
  return text;
}
