/**
 * The SSE streams of one HTTP session: the standalone GET stream plus recent POST response streams,
 * kept so a client can resume any of them with Last-Event-ID.
 */
import type { ServerConfig } from "../config.ts";
import { SseStream } from "../sse-stream.ts";

/** Finished POST streams kept for late resumption; older ones are dropped first. */
const MAX_STREAMS_PER_SESSION = 64;

export class SessionStreams {
  readonly standalone: SseStream;
  private readonly streams = new Map<string, SseStream>();
  private next = 0;

  constructor(
    sessionId: string,
    private readonly cfg: Pick<ServerConfig, "sseReplayEvents">,
  ) {
    this.standalone = new SseStream(`${sessionId.slice(0, 8)}g`, cfg.sseReplayEvents);
    this.streams.set(this.standalone.id, this.standalone);
  }

  open(): SseStream {
    const stream = new SseStream(`p${++this.next}`, this.cfg.sseReplayEvents);
    this.streams.set(stream.id, stream);
    if (this.streams.size > MAX_STREAMS_PER_SESSION) {
      for (const [id, s] of this.streams) {
        if (s.finished && s !== this.standalone) {
          this.streams.delete(id);
          break;
        }
      }
    }
    return stream;
  }

  get(id: string): SseStream | undefined {
    return this.streams.get(id);
  }

  *attached(): IterableIterator<SseStream> {
    for (const s of this.streams.values()) if (s.attached) yield s;
  }

  closeAll(): void {
    for (const s of this.streams.values()) s.finish();
    this.streams.clear();
  }
}
