/**
 * Metering per tenant and tool, plus the audit writer's own health, on the gateway's Prometheus registry.
 * Counted from the audit record in the writer's flush (where the byte sizes are computed anyway), so the
 * response path does no work for it; a scrape lags by at most one batch interval.
 */
import type { AuditRecord } from "../../ports/audit-sink.ts";
import { CallbackGauge, Counter, type MetricsRegistry } from "../../metrics/registry.ts";

export type RecordFate = "written" | "spooled" | "replayed" | "dropped" | "skipped";

export interface WriterState {
  queued(): number;
  spooling(): boolean;
  unavailable(): boolean;
}

interface Group {
  tenant: string;
  method: string;
  tool: string;
  outcome: string;
  calls: number;
  fuel: number;
  bytesIn: number;
  bytesOut: number;
  ms: number;
}

export class AuditMetering {
  private readonly calls: Counter;
  private readonly fuel: Counter;
  private readonly bytes: Counter;
  private readonly duration: Counter;
  private readonly records: Counter;
  private readonly errors: Counter;

  constructor(registry: MetricsRegistry, state: WriterState) {
    this.calls = registry.register(new Counter("mcp_tenant_calls_total", "MCP requests by tenant, method, tool and outcome", ["tenant", "method", "tool", "outcome"]));
    this.fuel = registry.register(new Counter("mcp_tenant_fuel_used_total", "plugin fuel consumed by tenant and tool", ["tenant", "tool"]));
    this.bytes = registry.register(new Counter("mcp_tenant_bytes_total", "request params and result bytes by tenant and tool", ["tenant", "tool", "direction"]));
    this.duration = registry.register(new Counter("mcp_tenant_call_duration_seconds_total", "time spent handling calls, by tenant and tool", ["tenant", "tool"]));
    this.records = registry.register(new Counter("audit_records_total", "audit records by what happened to them (written, spooled, replayed, dropped, skipped)", ["result"]));
    this.errors = registry.register(new Counter("audit_errors_total", "audit write failures: database (records went to the spool) or spool (disk full: records could not be stored)", ["kind"]));
    registry.register(new CallbackGauge("audit_queue_depth", "audit records waiting for their batch", [], () => [[{}, state.queued()]]));
    registry.register(new CallbackGauge("audit_spooling", "1 while audit records go to the local spool because the database is down", [], () => [[{}, state.spooling() ? 1 : 0]]));
    registry.register(
      new CallbackGauge("audit_unavailable", "1 while audit records can be stored neither in the database nor in the spool (HIGH/CRITICAL calls are refused)", [], () => [
        [{}, state.unavailable() ? 1 : 0],
      ]),
    );
  }

  /**
   * Meters a batch: records are summed per (tenant, method, tool, outcome) first, so a batch of calls to
   * the same tool costs five counter updates instead of five per record (each update builds a label key).
   */
  meterAll(records: readonly AuditRecord[]): void {
    const groups = new Map<string, Group>();
    for (const r of records) {
      const tool = r.tool ?? "";
      const key = `${r.tenant}\u0000${r.method}\u0000${tool}\u0000${r.outcome}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { tenant: r.tenant, method: r.method, tool, outcome: r.outcome, calls: 0, fuel: 0, bytesIn: 0, bytesOut: 0, ms: 0 }));
      g.calls++;
      g.fuel += r.fuelUsed;
      g.bytesIn += r.bytesIn;
      g.bytesOut += r.bytesOut;
      g.ms += r.durationMs;
    }
    for (const g of groups.values()) {
      this.calls.inc({ tenant: g.tenant, method: g.method, tool: g.tool, outcome: g.outcome }, g.calls);
      if (g.fuel) this.fuel.inc({ tenant: g.tenant, tool: g.tool }, g.fuel);
      this.bytes.inc({ tenant: g.tenant, tool: g.tool, direction: "in" }, g.bytesIn);
      this.bytes.inc({ tenant: g.tenant, tool: g.tool, direction: "out" }, g.bytesOut);
      this.duration.inc({ tenant: g.tenant, tool: g.tool }, g.ms / 1000);
    }
  }

  counted(fate: RecordFate, n: number): void {
    if (n > 0) this.records.inc({ result: fate }, n);
  }

  error(kind: "database" | "spool"): void {
    this.errors.inc({ kind });
  }
}
