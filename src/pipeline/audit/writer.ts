/**
 * The audit writer: group commit beside the hot path, with a spool for database outages.
 *
 *   enqueue (onComplete, O(1)) -> queue -> flush: build records, one sink.write per batch
 *                                                 \-> database down: append to the spool (fsync if durable)
 *                                                      and replay it, oldest first, once the database is back
 *
 * Batching: a batch is written when it holds `maxRecords` records or its oldest has waited `intervalMs`.
 * A durable record (HIGH/CRITICAL) does not wait for the interval: it schedules a flush on the next turn of
 * the event loop, so the records of every call completing meanwhile share its commit (group commit), and
 * its promise settles when that commit (or spool fsync) is done.
 *
 * One flush runs at a time (the loop below); that makes ordering simple: while records are spooled, new
 * ones are spooled too, and the spool is replayed before anything else is written directly, so the
 * database receives records in completion order.
 */
import type { AuditRecord, AuditSink } from "../../ports/audit-sink.ts";
import { GatewayError } from "../../protocol/errors.ts";
import type { Logger } from "../../log.ts";
import type { Call } from "../types.ts";
import type { AuditMetering } from "./metering.ts";
import type { Spool } from "./spool.ts";

export interface WriterOptions {
  sink: AuditSink;
  spool: Spool;
  log: Logger;
  build: (call: Call, traceId: string | undefined) => AuditRecord;
  metering?: AuditMetering;
  maxRecords: number;
  intervalMs: number;
  retryMs: number;
  maxQueued: number;
  writeTimeoutMs: number;
}

interface Entry {
  call: Call;
  traceId: string | undefined;
  resolve?: () => void;
  reject?: (err: Error) => void;
}

export class AuditWriter {
  private queue: Entry[] = [];
  private durableQueued = 0;
  /** Records neither the database nor the spool took (disk full); retried first, bounded by maxQueued. */
  private backlog: AuditRecord[] = [];
  private mode: "direct" | "spool";
  private cannotStore = false;
  private loop: Promise<void> | undefined;
  private again = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private replayDue = false;
  private closed = false;

  constructor(private readonly o: WriterOptions) {
    // Records spooled before a crash or shutdown are replayed first.
    this.mode = o.spool.empty ? "direct" : "spool";
    if (this.mode === "spool") {
      o.log.warn("audit spool holds records from an earlier run; replaying them", { spool: o.spool.dir });
      this.replayDue = true;
      this.kick();
    }
  }

  /** Records waiting for their batch. */
  get queued(): number {
    return this.queue.length + this.backlog.length;
  }

  /** True while records go to the spool because the database is unavailable. */
  get spooling(): boolean {
    return this.mode === "spool";
  }

  /** True after the last attempt could store records neither in the database nor in the spool. */
  get unavailable(): boolean {
    return this.cannotStore;
  }

  /** Queues a call's record; for a durable one, returns a promise settled by its group commit. */
  enqueue(call: Call, traceId: string | undefined, durable: boolean): Promise<void> | undefined {
    if (this.closed) {
      this.o.log.warn("audit record after the writer closed; not stored", { id: call.id, method: call.method });
      return durable ? Promise.reject(new GatewayError("internal", "Audit is shutting down; the call's record could not be stored")) : undefined;
    }
    const entry: Entry = { call, traceId };
    let done: Promise<void> | undefined;
    if (durable) {
      done = new Promise<void>((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      this.durableQueued++;
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.kick();
      });
    }
    this.queue.push(entry);
    if (this.queue.length > this.o.maxQueued && !this.queue[0]!.resolve) {
      this.queue.shift(); // the oldest non-durable record: the documented loss when nothing keeps up
      this.o.metering?.counted("dropped", 1);
    }
    if (this.queue.length >= this.o.maxRecords) this.kick();
    else if (!durable && !this.flushTimer) this.flushTimer = setTimeout(this.onFlushTimer, this.o.intervalMs);
    return done;
  }

  /** Writes everything queued (used by close and by tests); resolves when the queue is empty or stuck. */
  async flush(): Promise<void> {
    for (let i = 0; i < 1000 && (this.queue.length || this.loop); i++) await this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.mode === "spool") this.replayDue = true;
    await this.flush();
    this.o.spool.close();
    await this.o.sink.close();
  }

  private readonly onFlushTimer = () => {
    this.flushTimer = undefined;
    void this.kick();
  };

  private kick(): Promise<void> {
    if (this.loop) {
      this.again = true;
      return this.loop;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (this.queue.length && !this.flushTimer && !this.closed) this.flushTimer = setTimeout(this.onFlushTimer, this.o.intervalMs);
      if ((this.mode === "spool" || this.backlog.length) && !this.retryTimer && !this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.replayDue = true;
          void this.kick();
        }, this.o.retryMs);
      }
    });
    return this.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      this.again = false;
      if (this.replayDue) {
        this.replayDue = false;
        if (this.mode === "spool") await this.replay();
      }
      if (this.queue.length || this.backlog.length) await this.flushOnce();
      if (!this.again && this.durableQueued === 0 && this.queue.length < this.o.maxRecords) return;
      if (this.closed && !this.queue.length) return;
      // Yield to the event loop between batches so requests keep flowing (and complete into the next group
      // commit) instead of waiting behind a long backlog, also with a sink whose write is synchronous.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async flushOnce(): Promise<void> {
    const entries = this.queue.splice(0, this.o.maxRecords);
    if (!this.queue.length && this.flushTimer) {
      clearTimeout(this.flushTimer); // its records are in this batch; the next record arms a fresh one
      this.flushTimer = undefined;
    }
    let durable = false;
    const fresh: AuditRecord[] = [];
    for (const e of entries) {
      if (e.resolve) {
        durable = true;
        this.durableQueued--;
      }
      try {
        fresh.push(this.o.build(e.call, e.traceId));
      } catch (err) {
        this.o.log.error("could not build an audit record", { id: e.call.id, error: String(err) });
      }
    }
    this.o.metering?.meterAll(fresh);
    const records = this.backlog.length ? [...this.backlog.splice(0), ...fresh] : fresh;
    const failure = await this.store(records, durable);
    for (const e of entries) {
      if (!e.resolve) continue;
      if (failure) e.reject!(failure);
      else e.resolve();
    }
  }

  /** Database, else spool, else backlog; returns the error to give durable callers when nothing took them. */
  private async store(records: AuditRecord[], durable: boolean): Promise<GatewayError | undefined> {
    if (this.mode === "direct") {
      try {
        await this.write(records);
        this.o.metering?.counted("written", records.length);
        this.cannotStore = false;
        return undefined;
      } catch (err) {
        this.o.metering?.error("database");
        this.o.log.error(`audit database unavailable (${this.o.sink.kind} ${this.o.sink.location}); spooling records to ${this.o.spool.dir} until it returns`, {
          error: String((err as Error)?.message ?? err),
        });
        this.mode = "spool";
      }
    }
    try {
      this.o.spool.append(records, durable);
      this.o.metering?.counted("spooled", records.length);
      if (this.cannotStore) this.o.log.warn("audit spool writable again", { spool: this.o.spool.dir });
      this.cannotStore = false;
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code ?? String((err as Error)?.message ?? err);
      this.o.metering?.error("spool");
      if (!this.cannotStore) {
        this.o.log.error(`audit spool cannot be written (${code}${code === "ENOSPC" ? ": disk full" : ""}); HIGH/CRITICAL calls are refused until records can be stored`, {
          spool: this.o.spool.dir,
        });
      }
      this.cannotStore = true;
      this.backlog = records;
      const excess = this.backlog.length - this.o.maxQueued;
      if (excess > 0) {
        this.backlog.splice(0, excess);
        this.o.metering?.counted("dropped", excess);
      }
      return new GatewayError(
        "internal",
        `Audit record could not be stored durably: the ${this.o.sink.kind} audit database is unavailable and the audit spool in ${this.o.spool.dir} cannot be written (${code}). ` +
          "The tool ran, but HIGH/CRITICAL calls are only acknowledged once audited; free disk space or restore the database.",
      );
    }
  }

  /**
   * Replays closed spool segments oldest first; back to direct writes once the spool is empty. Durable
   * records arriving meanwhile are appended to the (new) current segment between chunks, so a long replay
   * does not hold HIGH/CRITICAL responses; the next pass replays that segment too.
   */
  private async replay(): Promise<void> {
    const spool = this.o.spool;
    let replayed = 0;
    try {
      for (let pass = 0; !spool.empty; pass++) {
        spool.rotate();
        for (const name of spool.closedSegments()) {
          const { records, skipped } = spool.read(name);
          if (skipped) {
            this.o.metering?.counted("skipped", skipped);
            this.o.log.warn("audit spool segment had unreadable lines (torn by a crash or a full disk); skipped", { segment: name, skipped });
          }
          for (let i = 0; i < records.length; i += this.o.maxRecords) {
            await this.write(records.slice(i, i + this.o.maxRecords));
            if (this.durableQueued > 0) await this.flushOnce();
          }
          spool.remove(name);
          replayed += records.length;
          this.o.metering?.counted("replayed", records.length);
        }
      }
    } catch (err) {
      this.o.log.debug("audit database still unavailable; spool kept", { error: String((err as Error)?.message ?? err), replayed });
      return;
    }
    this.mode = "direct";
    this.o.log.info(`audit database available again (${this.o.sink.kind} ${this.o.sink.location}); spool replayed`, { records: replayed });
  }

  private write(records: AuditRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`audit write took longer than ${this.o.writeTimeoutMs} ms`)), this.o.writeTimeoutMs);
    });
    return Promise.race([this.o.sink.write(records), timeout]).finally(() => clearTimeout(timer));
  }
}
