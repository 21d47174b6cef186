/**
 * One logical SSE stream of a session: the response stream of a POST, or the session's standalone GET
 * stream. It outlives the HTTP connection that carries it, so a client whose connection drops can
 * reconnect with Last-Event-ID and get what it missed from a bounded replay buffer.
 *
 * Event ids are `<streamId>.<seq>`: the id alone tells which stream to resume.
 */
export interface SseWriter {
  write(chunk: string): boolean; // false once the connection is gone
  close(): void;
}

interface BufferedEvent {
  seq: number;
  frame: string;
}

export class SseStream {
  private seq = 0;
  private readonly replay: BufferedEvent[] = [];
  private writer: SseWriter | null = null;
  /** The stream's last message (a POST's response) was sent: nothing more will come on it. */
  finished = false;

  constructor(
    readonly id: string,
    private readonly replayLimit: number,
  ) {}

  get attached(): boolean {
    return this.writer !== null;
  }

  /** Sends a JSON-RPC message as an SSE event, kept for replay. */
  send(json: string): void {
    const seq = ++this.seq;
    const frame = `id: ${this.id}.${seq}\nevent: message\ndata: ${json}\n\n`;
    this.replay.push({ seq, frame });
    if (this.replay.length > this.replayLimit) this.replay.shift();
    this.deliver(frame);
  }

  /** An event with an id and empty data: tells a 2025-11-25 client where to resume from before anything else arrives. */
  prime(retryMs: number): void {
    const seq = ++this.seq;
    this.replay.push({ seq, frame: "" }); // nothing to replay, but the id stays valid
    if (this.replay.length > this.replayLimit) this.replay.shift();
    this.deliver(`id: ${this.id}.${seq}\nretry: ${retryMs}\ndata: \n\n`);
  }

  keepAlive(): void {
    this.deliver(": keep-alive\n\n");
  }

  attach(writer: SseWriter): void {
    this.writer?.close();
    this.writer = writer;
  }

  /** Attaches a reconnecting client and replays what came after `afterSeq`. False if those events were evicted. */
  resume(writer: SseWriter, afterSeq: number): boolean {
    const oldest = this.replay[0]?.seq ?? this.seq + 1;
    if (afterSeq < oldest - 1 || afterSeq > this.seq) return false;
    this.attach(writer);
    for (const event of this.replay) if (event.seq > afterSeq && event.frame) this.deliver(event.frame);
    if (this.finished) this.detach();
    return true;
  }

  /** Closes the HTTP connection but keeps the stream resumable (used to make clients reconnect). */
  detach(): void {
    const writer = this.writer;
    this.writer = null;
    writer?.close();
  }

  finish(): void {
    this.finished = true;
    this.detach();
  }

  private deliver(frame: string): void {
    if (this.writer && !this.writer.write(frame)) this.writer = null;
  }
}

/** Parses `<streamId>.<seq>` from a Last-Event-ID header. */
export function parseEventId(value: string): { streamId: string; seq: number } | null {
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const seq = Number(value.slice(dot + 1));
  return Number.isSafeInteger(seq) && seq >= 0 ? { streamId: value.slice(0, dot), seq } : null;
}
