/**
 * The audit table's columns, in the order both SQL sinks insert them (SQLite: src/adapters/sqlite/audit-rows.ts,
 * Postgres: src/adapters/postgres/audit-sink.ts). One list, so a column added to the record reaches both.
 */
export const AUDIT_COLUMNS = [
  "id", "time", "principal_id", "user_id", "agent", "auth_method", "tenant", "session_id", "transport", "address",
  "method", "target_kind", "tool", "plugin", "risk", "decision", "policy_id", "reason", "shadow", "findings",
  "args_hash", "args", "outcome", "error_code", "error_message", "duration_ms", "fuel_used", "bytes_in", "bytes_out", "trace_id",
] as const;
