/**
 * Every live session of every transport, for the messages that go to all of them (list_changed,
 * resources/updated). Transports keep owning their sessions: the HTTP endpoint keeps its SessionStore
 * (ids, idle expiry) and is added as a source; connection-scoped transports (WebSocket, stdio), whose
 * session lives exactly as long as the connection, track theirs here directly.
 */
import { notification } from "../protocol/jsonrpc.ts";
import type { Session } from "./session.ts";

export type SessionSource = () => Iterable<Session>;

export class SessionHub {
  private readonly sources: SessionSource[] = [];
  private readonly tracked = new Set<Session>();

  /** Adds a transport that keeps its own collection of sessions (read on every broadcast, never copied). */
  addSource(source: SessionSource): void {
    this.sources.push(source);
  }

  /** Tracks a connection-scoped session; call the returned function when the connection ends. */
  track(session: Session): () => void {
    this.tracked.add(session);
    return () => void this.tracked.delete(session);
  }

  get trackedCount(): number {
    return this.tracked.size;
  }

  /**
   * Sends a notification to every session that finished initialization (the spec forbids server
   * notifications other than logs and pings before notifications/initialized) and passes `filter`.
   */
  broadcast(method: string, params?: Record<string, unknown>, filter: (s: Session) => boolean = () => true): void {
    const message = notification(method, params);
    const send = (session: Session) => {
      if (session.initialized && !session.closed && filter(session)) session.unrelated?.send(message);
    };
    for (const source of this.sources) for (const session of source()) send(session);
    for (const session of this.tracked) send(session);
  }
}
