/**
 * Live sessions by id, with idle expiry. An expired or deleted session's id gets 404 so the client knows
 * to initialize again (the spec's contract), instead of silently getting a fresh session.
 */
import type { Session } from "./session.ts";

export class SessionStore<S extends Session = Session> {
  private readonly sessions = new Map<string, S>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly maxSessions: number,
    private readonly onClose: (session: S) => void = () => {},
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1_000, idleTimeoutMs / 4)));
    this.sweeper.unref?.();
  }

  get size(): number {
    return this.sessions.size;
  }

  newId(): string {
    return crypto.randomUUID();
  }

  /** Adds a session; false when full even after dropping expired ones. */
  add(session: S): boolean {
    if (this.sessions.size >= this.maxSessions) this.sweep();
    if (this.sessions.size >= this.maxSessions) return false;
    this.sessions.set(session.id, session);
    return true;
  }

  /** The live session with this id, touched; undefined if unknown, deleted or expired. */
  get(id: string): S | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = Date.now(); // read once: this runs on every request
    if (now - session.lastActive > this.idleTimeoutMs) {
      this.delete(id);
      return undefined;
    }
    session.lastActive = now;
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    session.close();
    this.onClose(session);
    return true;
  }

  all(): IterableIterator<S> {
    return this.sessions.values();
  }

  sweep(now = Date.now()): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastActive > this.idleTimeoutMs) this.delete(id);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }
}
