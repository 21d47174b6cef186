/** The gateway's metric set: tool calls, latency, and the sandbox's health. */
import type { ServerObserver, ToolOutcome } from "../server/mcp-server.ts";
import type { SandboxObserver } from "../sandbox/runtime.ts";
import type { SandboxFailure } from "../sandbox/errors.ts";
import type { PoolStats } from "../sandbox/pool.ts";
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from "./registry.ts";

const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class GatewayMetrics implements ServerObserver, SandboxObserver {
  readonly registry = new MetricsRegistry();
  readonly toolCalls = this.registry.register(new Counter("mcp_tool_calls_total", "tools/call requests by tool and outcome", ["tool", "outcome"]));
  readonly toolLatency = this.registry.register(
    new Histogram("mcp_tool_call_duration_seconds", "tools/call handling time inside the gateway", ["tool"], LATENCY_BUCKETS_S),
  );
  readonly sandboxCalls = this.registry.register(new Counter("sandbox_calls_total", "plugin export invocations by plugin and result", ["plugin", "result"]));
  readonly traps = this.registry.register(new Counter("sandbox_traps_total", "plugin calls that crashed, ran out of memory or produced oversized output", ["plugin", "kind"]));
  readonly timeouts = this.registry.register(new Counter("sandbox_timeouts_total", "plugin calls stopped at their deadline", ["plugin"]));
  readonly fuel = this.registry.register(new Counter("sandbox_fuel_used_total", "metered work units consumed by plugins", ["plugin"]));

  constructor(pools: () => Iterable<[string, PoolStats]>) {
    this.registry.register(
      new CallbackGauge("sandbox_instances", "live plugin instances by state", ["plugin", "state"], function* () {
        for (const [plugin, s] of pools()) {
          yield [{ plugin, state: "busy" }, s.busy];
          yield [{ plugin, state: "idle" }, s.idle];
        }
      }),
    );
    this.registry.register(
      new CallbackGauge("sandbox_queued_calls", "calls waiting for a free plugin instance", ["plugin"], function* () {
        for (const [plugin, s] of pools()) yield [{ plugin }, s.queued];
      }),
    );
  }

  onToolCall(tool: string, outcome: ToolOutcome, durationMs: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolLatency.observe({ tool }, durationMs / 1000);
  }

  onCall(plugin: string, _durationMs: number, fuelUsed: number, failure: SandboxFailure | null): void {
    this.sandboxCalls.inc({ plugin, result: failure ?? "ok" });
    if (fuelUsed > 0) this.fuel.inc({ plugin }, fuelUsed);
    if (failure === "timeout") this.timeouts.inc({ plugin });
    else if (failure === "trap" || failure === "memory" || failure === "output_too_large" || failure === "fuel_exhausted") {
      this.traps.inc({ plugin, kind: failure });
    }
  }
}
