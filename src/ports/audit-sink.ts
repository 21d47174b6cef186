/**
 * Where audit records go. One flat record per MCP request (src/pipeline/types.ts `Call`), written in
 * batches by the audit stage's writer (src/pipeline/audit/writer.ts), never on the hot path.
 *
 * Contract every sink keeps: `write` stores the whole batch or throws (one transaction), and inserting a
 * record whose `id` is already stored is a no-op. That idempotence is what lets the writer replay a spool
 * after an outage, or retry a batch whose acknowledgement was lost, without ever duplicating a row.
 */
export interface AuditRecord {
  /** The call's id (Call.id): the primary key, and what makes inserts idempotent. */
  id: string;
  /** When the call started, epoch milliseconds. */
  time: number;
  principalId: string;
  user: string | null;
  agent: string | null;
  authMethod: string;
  tenant: string;
  sessionId: string;
  transport: string;
  address: string | null;
  method: string;
  targetKind: string | null;
  /** Tool, prompt or resource the call acted on (the requested name when it did not resolve). */
  tool: string | null;
  plugin: string | null;
  risk: string | null;
  decision: string | null;
  policyId: string | null;
  reason: string | null;
  /** What a shadow-mode policy set would have decided, when one ran. */
  shadow: { effect: string; policyId: string; reason: string } | null;
  findings: { stage: string; kind: string; detail: string; score?: number; action: string }[];
  /** SHA-256 (hex) of the arguments as executed (JSON), always set when there were arguments. */
  argsHash: string | null;
  /** The arguments in full, only for the risk levels configured to keep them (HIGH/CRITICAL by default). */
  args: Record<string, unknown> | null;
  outcome: string;
  /** JSON-RPC error code the client saw, when the call failed. */
  errorCode: number | null;
  errorMessage: string | null;
  durationMs: number;
  fuelUsed: number;
  /** JSON size of the request params and of the result (UTF-8 bytes). */
  bytesIn: number;
  bytesOut: number;
  /** The OpenTelemetry trace id when a span was active, else the call id. */
  traceId: string;
}

export interface AuditSink {
  /** "sqlite" or "postgres": a metric label and what the logs name. */
  readonly kind: string;
  /** Human-readable location for logs (file path, or host/database without credentials). */
  readonly location: string;
  /** Stores all records in one transaction, skipping ids already stored; throws if the store is unavailable. */
  write(records: readonly AuditRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Which sink to open, decided by the audit stage from its config and storage's. */
export type AuditSinkSpec =
  | { kind: "sqlite"; path: string; synchronous: "normal" | "full" }
  | { kind: "postgres"; url: string; maxConnections: number };

export type OpenAuditSink = (spec: AuditSinkSpec) => AuditSink;
