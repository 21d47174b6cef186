/** Opens the audit sink the audit stage asks for; the composition root hands this to the stage. */
import type { AuditSink, AuditSinkSpec } from "../ports/audit-sink.ts";
import { PostgresAuditSink } from "./postgres/audit-sink.ts";
import { SqliteAuditSink } from "./sqlite/audit-sink.ts";

export function openAuditSink(spec: AuditSinkSpec): AuditSink {
  return spec.kind === "postgres"
    ? new PostgresAuditSink(spec.url, spec.maxConnections)
    : new SqliteAuditSink(spec.path, { synchronous: spec.synchronous });
}
