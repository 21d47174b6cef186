/** Test doubles shared by the audit unit tests: an in-memory sink that can go down, and Call builders. */
import type { AuditRecord, AuditSink } from "../../ports/audit-sink.ts";
import { Session } from "../../session/session.ts";
import { ANONYMOUS } from "../chain.ts";
import { Call, type Principal, type RiskLevel } from "../types.ts";

export class MemorySink implements AuditSink {
  readonly kind = "memory";
  readonly location = "memory";
  readonly rows = new Map<string, AuditRecord>();
  /** Every successful write, in order: its size. */
  readonly batches: number[] = [];
  down = false;
  /** When set, write waits on it (a slow database). */
  gate: Promise<void> | undefined;
  closed = false;

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    for (const r of records) if (!this.rows.has(r.id)) this.rows.set(r.id, r);
    this.batches.push(records.length);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  ids(): string[] {
    return [...this.rows.keys()];
  }
}

export function makeCall(opts: { risk?: RiskLevel; tool?: string; args?: Record<string, unknown>; principal?: Principal } = {}): Call {
  const tool = opts.tool ?? "echo";
  const call = new Call(
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool, arguments: opts.args ?? { text: "hi" } } },
    new Session("session-1", "2025-11-25", undefined, {}),
    opts.principal ?? ANONYMOUS,
    { transport: "http", address: "127.0.0.1" },
  );
  call.target = { kind: "tool", name: tool, plugin: "echo", risk: opts.risk ?? "LOW", tags: [] };
  return call;
}
