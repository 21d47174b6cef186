/**
 * The audit spool: where records go while the database is down. Append-only JSON-lines segment files
 * (`<seq>.jsonl`, seq zero-padded so names sort in write order) under storage.dataDir/audit-spool/.
 *
 * - A batch is one write of whole lines; it is fsync'd when it holds a durable (HIGH/CRITICAL) record,
 *   because that record's response waits on it.
 * - Replay reads closed segments oldest first; the writer deletes a segment only after the database has
 *   committed all of it. Inserts are idempotent by record id, so a crash mid-replay replays the segment
 *   again without duplicates.
 * - A torn last line (crash or full disk mid-write) is skipped on read; after any failed write the segment
 *   is closed, so the next append starts a fresh file instead of continuing the torn line.
 *
 * Synchronous file I/O on purpose: it only happens during an outage, in the writer's flush (beside the hot
 * path), and an fsync must complete before the durable responses it covers are released anyway.
 */
import * as nodeFs from "node:fs";
import { join } from "node:path";
import type { AuditRecord } from "../../ports/audit-sink.ts";

/** The file operations the spool uses; tests swap in a failing write to simulate a full disk. */
export interface SpoolFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

const SEGMENT = /^(\d{16})\.jsonl$/;

export class Spool {
  private fd: number | undefined;
  private current: string | undefined;
  private nextSeq: number;
  /** Segments on disk (closed or current), oldest first. */
  private readonly segmentNames: string[];

  constructor(
    readonly dir: string,
    private readonly fs: SpoolFs = nodeFs,
  ) {
    nodeFs.mkdirSync(dir, { recursive: true });
    this.segmentNames = nodeFs.readdirSync(dir).filter((n) => SEGMENT.test(n)).sort();
    const last = this.segmentNames.at(-1);
    this.nextSeq = last ? Number(SEGMENT.exec(last)![1]) + 1 : 1;
  }

  /** True when no segment holds records waiting for replay. */
  get empty(): boolean {
    return this.segmentNames.length === 0;
  }

  /** Appends the records as one write; with `sync`, returns only after they are on disk. Throws on failure (ENOSPC...). */
  append(records: readonly AuditRecord[], sync: boolean): void {
    if (!records.length) return;
    let text = "";
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    try {
      if (this.fd === undefined) this.open(sync);
      let written = 0;
      const bytes = Buffer.from(text);
      while (written < bytes.length) written += this.fs.writeSync(this.fd!, bytes.subarray(written));
      if (sync) this.fs.fsyncSync(this.fd!);
    } catch (err) {
      this.rotate(); // never append after a possibly torn line
      throw err;
    }
  }

  /** Closes the current segment; later appends go to a new one. Replay only reads closed segments. */
  rotate(): void {
    if (this.fd === undefined) return;
    try {
      this.fs.closeSync(this.fd);
    } catch {
      // closing a file descriptor that failed to write: nothing more to do
    }
    this.fd = undefined;
    this.current = undefined;
  }

  /** Segments that are closed (not being appended to), oldest first. */
  closedSegments(): string[] {
    return this.segmentNames.filter((n) => n !== this.current);
  }

  /** The records of a segment, in write order; unparseable (torn) lines are skipped and counted. */
  read(name: string): { records: AuditRecord[]; skipped: number } {
    const text = nodeFs.readFileSync(join(this.dir, name), "utf8");
    const records: AuditRecord[] = [];
    let skipped = 0;
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as AuditRecord);
      } catch {
        skipped++;
      }
    }
    return { records, skipped };
  }

  /** Deletes a replayed segment. */
  remove(name: string): void {
    nodeFs.rmSync(join(this.dir, name), { force: true });
    const i = this.segmentNames.indexOf(name);
    if (i >= 0) this.segmentNames.splice(i, 1);
  }

  close(): void {
    this.rotate();
  }

  private open(sync: boolean): void {
    const name = `${String(this.nextSeq++).padStart(16, "0")}.jsonl`;
    this.fd = this.fs.openSync(join(this.dir, name), "a");
    this.current = name;
    this.segmentNames.push(name);
    if (sync) {
      // The new file's directory entry must be on disk too, or a power loss could lose the whole segment.
      const dirFd = nodeFs.openSync(this.dir, "r");
      try {
        nodeFs.fsyncSync(dirFd);
      } finally {
        nodeFs.closeSync(dirFd);
      }
    }
  }
}
