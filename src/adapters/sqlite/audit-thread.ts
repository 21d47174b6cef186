/**
 * The SQLite audit writer thread (a Bun Worker started by ./audit-sink.ts). It owns its own connection,
 * so the inserts, the WAL commits, their fsyncs and the checkpoints never run on the event loop that
 * serves requests: with bun:sqlite (synchronous) on the main thread those stalled it for up to tens of
 * milliseconds, and were the full chain's P99 (bench/RESULTS.md).
 *
 * Protocol (one message per batch, never per record):
 *   in:  { kind: "open", path, synchronous }            first, once
 *        { kind: "write", seq, json }                   json = JSON array of the rows' values (audit-rows.ts pushRow)
 *        { kind: "close" }
 *   out: { kind: "ack", seq, error? }                   after the batch's transaction committed (or failed)
 *        { kind: "closed" }
 * Batches are handled one at a time, in order, so an ack means everything before it is committed too.
 */
import type { Database } from "bun:sqlite";
import { type BatchInsert, prepareBatchInsert, type Value } from "./audit-rows.ts";
import { openSqlite } from "./database.ts";

export type ToAuditThread =
  | { kind: "open"; path: string; synchronous: "normal" | "full" }
  | { kind: "write"; seq: number; json: string }
  | { kind: "close" };

export type FromAuditThread = { kind: "ack"; seq: number; error?: string } | { kind: "closed" };

declare const self: Worker;

let db: Database | undefined;
let batch: BatchInsert | undefined;
let openError: string | undefined;

const reply = (message: FromAuditThread) => self.postMessage(message);

self.onmessage = (event: MessageEvent<ToAuditThread>) => {
  const message = event.data;
  switch (message.kind) {
    case "open":
      try {
        db = openSqlite(message.path);
        if (message.synchronous === "full") db.exec("PRAGMA synchronous = FULL");
        batch = prepareBatchInsert(db);
      } catch (err) {
        openError = `cannot open the audit database ${message.path}: ${(err as Error)?.message ?? err}`;
      }
      return;
    case "write":
      try {
        if (!batch) throw new Error(openError ?? "audit database not open");
        batch.insert(JSON.parse(message.json) as Value[]);
        reply({ kind: "ack", seq: message.seq });
      } catch (err) {
        reply({ kind: "ack", seq: message.seq, error: String((err as Error)?.message ?? err) });
      }
      return;
    case "close":
      try {
        // Statements first: with live statements SQLite only marks the connection to close later, and a
        // reader opening the file right after "closed" could then find it still locked (SQLITE_BUSY).
        batch?.dispose();
        db?.close(true);
      } finally {
        db = batch = undefined;
        reply({ kind: "closed" });
      }
  }
};
