/**
 * Turns a finished Call into its audit record. Runs in the writer's flush, not in the response path:
 * the JSON encoding and hashing (~1–3 µs for 200-byte arguments and a 1 KB result) happen once per batch,
 * beside the hot path. (A walker that measured JSON sizes without encoding was tried and was no cheaper:
 * Bun's JSON.stringify of a 1 KB ASCII result takes ~0.3 µs in a tight loop, the walker ~1.1 µs.)
 */
import type { AuditRecord } from "../../ports/audit-sink.ts";
import { toJsonRpcError } from "../../protocol/errors.ts";
import type { Call, RiskLevel } from "../types.ts";

export interface RecordOptions {
  /** Risk levels whose arguments are kept in full (else only their SHA-256). */
  fullArguments: ReadonlySet<RiskLevel>;
}

export function toAuditRecord(call: Call, traceId: string | undefined, opts: RecordOptions): AuditRecord {
  const p = call.principal;
  const t = call.target;
  const d = call.decision;
  const params = call.request.params;
  const paramsJson = params === undefined ? undefined : safeJson(params);
  const argsJson = call.args === undefined ? undefined : (argumentsWithin(params, paramsJson, call.args) ?? safeJson(call.args));
  const err = call.error ? toJsonRpcError(call.error) : undefined;
  return {
    id: call.id,
    time: call.startedAt,
    principalId: p.id,
    user: p.user ?? null,
    agent: p.agent ?? null,
    authMethod: p.method,
    tenant: p.tenant,
    sessionId: call.session.id,
    transport: call.source.transport,
    address: call.source.address ?? null,
    method: call.method,
    targetKind: t?.kind ?? null,
    tool: t?.name ?? requestedName(params),
    plugin: t?.plugin ?? null,
    risk: t?.risk ?? null,
    decision: d?.effect ?? null,
    policyId: d?.policyId ?? null,
    reason: d?.reason ?? null,
    shadow: d?.shadow ? { effect: d.shadow.effect, policyId: d.shadow.policyId, reason: d.shadow.reason } : null,
    findings: call.findings.map((f) => ({ ...f })),
    argsHash: argsJson === undefined ? null : Bun.SHA256.hash(argsJson, "hex"),
    args: call.args !== undefined && t && opts.fullArguments.has(t.risk) ? call.args : null,
    outcome: call.outcome,
    errorCode: err?.code ?? null,
    errorMessage: err?.message ?? null,
    durationMs: Math.round(call.durationMs * 1000) / 1000,
    fuelUsed: call.fuelUsed,
    bytesIn: paramsJson === undefined ? 0 : byteLength(paramsJson),
    bytesOut: call.result === undefined ? 0 : byteLength(safeJson(call.result)),
    traceId: traceId ?? call.id,
  };
}

/** The name a request asked for, for calls whose target did not resolve (unknown tool, bad params). */
function requestedName(params: Record<string, unknown> | undefined): string | null {
  const name = params?.name ?? params?.uri;
  return typeof name === "string" ? name : null;
}

/**
 * The arguments' JSON cut out of the params' JSON, when params are exactly `{name, arguments}` (a
 * tools/call as clients send it) and no stage replaced the arguments: JSON.stringify then writes
 * `{"name":…,"arguments":<the arguments' JSON>}`, so encoding them a second time is not needed.
 */
function argumentsWithin(params: Record<string, unknown> | undefined, paramsJson: string | undefined, args: Record<string, unknown>): string | undefined {
  if (!params || !paramsJson || params.arguments !== args || typeof params.name !== "string") return undefined;
  const keys = Object.keys(params);
  if (keys.length !== 2 || keys[0] !== "name" || keys[1] !== "arguments") return undefined;
  const head = `{"name":${JSON.stringify(params.name)},"arguments":`;
  return paramsJson.startsWith(head) && paramsJson.endsWith("}") ? paramsJson.slice(head.length, -1) : undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return ""; // a value JSON cannot encode (BigInt, cycle) still gets a record, without its size
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
