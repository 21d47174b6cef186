/**
 * Audit and metering: the last stage, run for every request whatever happened (onComplete), turning the
 * Call record every stage filled into one audit row and the per-tenant meters.
 *
 * Hot-path cost: onComplete queues the Call (plus the active OpenTelemetry trace id, which must be read
 * while its context is current); record building, hashing and metering happen in the writer's batch flush.
 * For risk levels in `durableRisks` it sets `call.durable`, which the chain awaits before responding.
 * onRequest refuses durable-risk calls up front while records can be stored nowhere (database down and
 * spool disk full), so such a tool does not run only to have its answer withheld.
 */
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { isAbsolute, join } from "node:path";
import type { AuditSinkSpec, OpenAuditSink } from "../../ports/audit-sink.ts";
import { GatewayError } from "../../protocol/errors.ts";
import type { PipelineDeps } from "../build.ts";
import { PASS, type Call, type Outcome, type RiskLevel, type Stage } from "../types.ts";
import { AuditMetering } from "./metering.ts";
import { toAuditRecord } from "./record.ts";
import { Spool } from "./spool.ts";
import { AuditWriter } from "./writer.ts";

export interface AuditStageDeps extends Omit<PipelineDeps, "stores"> {
  /** Opens the configured sink (the composition root passes src/adapters/audit-sink.ts). */
  openSink: OpenAuditSink;
}

export interface AuditStage {
  stage: Stage;
  writer: AuditWriter;
  close(): Promise<void>;
}

export function auditSinkSpec(deps: Pick<PipelineDeps, "config">): AuditSinkSpec {
  const { audit, storage } = deps.config;
  const url = storage.postgres.url;
  if (audit.sink === "postgres" && !url) {
    throw new Error('audit.sink is "postgres" but storage.postgres.url is not set; set it (e.g. postgres://user@host:5432/db) or use sink "auto"');
  }
  if (url && audit.sink !== "sqlite") return { kind: "postgres", url, maxConnections: storage.postgres.maxConnections };
  const file = isAbsolute(audit.sqlite.file) ? audit.sqlite.file : join(storage.dataDir, audit.sqlite.file);
  return { kind: "sqlite", path: file, synchronous: audit.sqlite.synchronous };
}

export function createAuditStage(deps: AuditStageDeps): AuditStage {
  const cfg = deps.config.audit;
  const log = deps.log.child({ stage: "audit" });
  const sink = deps.openSink(auditSinkSpec(deps));
  const spool = new Spool(join(deps.config.storage.dataDir, "audit-spool"));
  const durableRisks = new Set<RiskLevel>(cfg.durableRisks);
  const recordOptions = { fullArguments: new Set<RiskLevel>(cfg.fullArgumentsRisks) };
  let writer: AuditWriter;
  const metering = new AuditMetering(deps.metrics, { queued: () => writer.queued, spooling: () => writer.spooling, unavailable: () => writer.unavailable });
  writer = new AuditWriter({
    sink,
    spool,
    log,
    metering,
    build: (call, traceId) => toAuditRecord(call, traceId, recordOptions),
    maxRecords: cfg.batch.maxRecords,
    intervalMs: cfg.batch.intervalMs,
    retryMs: cfg.spool.retryMs,
    maxQueued: cfg.spool.maxQueuedRecords,
    writeTimeoutMs: cfg.writeTimeoutMs,
  });
  log.info("audit records go to", { sink: sink.kind, location: sink.location, spool: spool.dir });

  const isDurable = (call: Call) => call.target !== undefined && durableRisks.has(call.target.risk);

  const stage: Stage = {
    name: "audit",
    onRequest(call: Call): Outcome {
      if (!writer.unavailable || !isDurable(call)) return PASS;
      return {
        kind: "reject",
        outcome: "audit_unavailable",
        error: new GatewayError(
          "internal",
          `Audit storage unavailable: the audit database is down and the spool in ${spool.dir} cannot be written (disk full?). ` +
            `${call.target!.risk} tools are refused until their records can be stored durably.`,
        ),
      };
    },
    onComplete(call: Call): void {
      // The record is built later, in the writer's flush; HTTP reads the peer address lazily and only
      // while the request is live (src/transport/http/http-source.ts), so take it now.
      void call.source.address;
      const span = trace.getActiveSpan();
      const spanContext = span?.spanContext();
      const traceId = spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
      // A call refused because audit is unavailable gets a best-effort record: waiting on it would only
      // replace the refusal the client should see with the same failure.
      const done = writer.enqueue(call, traceId, call.outcome !== "audit_unavailable" && isDurable(call));
      if (done) call.durable = done;
    },
  };
  return { stage, writer, close: () => writer.close() };
}
