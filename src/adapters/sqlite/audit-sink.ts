/**
 * The embedded audit sink: one SQLite file of its own (bun:sqlite, WAL) under storage.dataDir, written by
 * a thread of its own (./audit-thread.ts).
 *
 * Why a thread: bun:sqlite is synchronous. On the event loop, every batch's inserts (~5–7 µs CPU a record)
 * and its WAL commit, fsync and checkpoints stalled all requests; at 2,000 calls/s the full chain's P99 was
 * 14 ms with audit and 1.9 ms without (bench/RESULTS.md). Here the event loop only serialises the batch
 * (one JSON string of row values, one postMessage per batch) and `write` settles when the thread's transaction has
 * committed, so the writer's guarantees (durable calls wait for their commit; spool on failure) hold as before.
 *
 * Why its own file: SQLite has one writer per database. Sharing a file with other stores would let a long
 * audit batch hold their writes.
 *
 * Durability: with synchronous=NORMAL a committed batch survives a process crash (SIGKILL) but not
 * necessarily a power loss; synchronous=FULL adds an fsync per batch (measured ~2x the batch cost).
 */
import type { AuditRecord, AuditSink } from "../../ports/audit-sink.ts";
import { pushRow, SQLITE_AUDIT_MIGRATIONS, type Value } from "./audit-rows.ts";
import type { FromAuditThread, ToAuditThread } from "./audit-thread.ts";
import { migrateSqlite, openSqlite } from "./database.ts";

export { SQLITE_AUDIT_MIGRATIONS } from "./audit-rows.ts";

export interface SqliteAuditSinkOptions {
  /** "full" fsyncs the WAL at every batch commit (power-loss durable); "normal" survives process crashes. */
  synchronous?: "normal" | "full";
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

const CLOSE_TIMEOUT_MS = 10_000;

/** Bun's Worker can be unref'd (the DOM typings the project compiles against do not say so). */
type Thread = Worker & { ref(): void; unref(): void };

export class SqliteAuditSink implements AuditSink {
  readonly kind = "sqlite";
  private thread: Thread | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly location: string,
    private readonly opts: SqliteAuditSinkOptions = {},
  ) {
    // Create or upgrade the table here, synchronously: a bad path or a newer schema fails the start
    // with its own error instead of surfacing as a failed first write.
    const db = openSqlite(location);
    try {
      migrateSqlite(db, SQLITE_AUDIT_MIGRATIONS);
    } finally {
      db.close();
    }
  }

  write(records: readonly AuditRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    if (this.closing) return Promise.reject(new Error("audit sink is closed"));
    // Rows as one flat JSON array of values: no keys, and one string is the cheapest thing to post
    // (a structured clone of the records measured ~2.6 µs a record, this ~0.6).
    let json: string;
    try {
      const values: Value[] = [];
      for (const r of records) pushRow(values, r);
      json = JSON.stringify(values);
    } catch (err) {
      return Promise.reject(err);
    }
    const thread = this.thread ?? this.start();
    const seq = ++this.seq;
    const done = new Promise<void>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    if (this.pending.size === 1) thread.ref(); // a write in flight keeps the process alive until it settles
    thread.postMessage({ kind: "write", seq, json } satisfies ToAuditThread);
    return done;
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private start(): Thread {
    const thread = new Worker(new URL("./audit-thread.ts", import.meta.url).href) as Thread;
    thread.onmessage = (event: MessageEvent<FromAuditThread>) => {
      const message = event.data;
      if (message.kind !== "ack") return;
      const p = this.pending.get(message.seq);
      if (!p) return;
      this.pending.delete(message.seq);
      if (this.pending.size === 0) thread.unref();
      if (message.error === undefined) p.resolve();
      else p.reject(new Error(message.error));
    };
    // A thread that dies takes its in-flight batches with it: they fail (the writer spools them, and
    // inserts are idempotent, so one that did commit is not duplicated); the next write starts a new thread.
    thread.onerror = (event) => {
      if (this.thread === thread) this.thread = undefined;
      this.failPending(new Error(`audit writer thread failed: ${event.message}`));
      thread.terminate();
    };
    thread.postMessage({ kind: "open", path: this.location, synchronous: this.opts.synchronous ?? "normal" } satisfies ToAuditThread);
    thread.unref();
    this.thread = thread;
    return thread;
  }

  private async stop(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    thread.ref();
    // Batches already posted are written before "close" is read: the thread handles messages in order.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      thread.addEventListener("message", (event: MessageEvent<FromAuditThread>) => {
        if (event.data.kind === "closed") {
          clearTimeout(timer);
          resolve();
        }
      });
      thread.addEventListener("error", () => {
        clearTimeout(timer);
        resolve();
      });
      thread.postMessage({ kind: "close" } satisfies ToAuditThread);
    });
    this.failPending(new Error("audit sink closed before the batch was acknowledged"));
    thread.terminate();
  }

  private failPending(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
}
