/** The gateway's metric set: tool calls, latency, and the sandbox's health. */
import type { ServerObserver, ToolOutcome } from "../server/mcp-server.ts";
import type { SandboxObserver } from "../sandbox/runtime.ts";
import type { SandboxFailure } from "../sandbox/errors.ts";
import type { PoolStats } from "../sandbox/pool.ts";
import { CallbackGauge, Counter, CounterCell, Histogram, HistogramCell, MetricsRegistry } from "./registry.ts";

const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Label cells resolved once per tool and per plugin, so a call's updates are Map hits and `+= 1` instead of
 * building and hashing label keys (bench/RESULTS.md, "Edge and call path"). Tool names can come from
 * clients (unknown tools), so past this many the plain labelled updates are used.
 */
const MAX_CACHED = 10_000;

interface ToolCells {
  calls: Map<ToolOutcome, CounterCell>;
  latency: HistogramCell;
}
interface PluginCells {
  ok: CounterCell;
  fuel: CounterCell | undefined;
}

export class GatewayMetrics implements ServerObserver, SandboxObserver {
  private readonly byTool = new Map<string, ToolCells>();
  private readonly byPlugin = new Map<string, PluginCells>();
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
    const cells = this.toolCells(tool);
    if (!cells) {
      this.toolCalls.inc({ tool, outcome });
      this.toolLatency.observe({ tool }, durationMs / 1000);
      return;
    }
    let calls = cells.calls.get(outcome);
    if (!calls) cells.calls.set(outcome, (calls = this.toolCalls.cell({ tool, outcome })));
    calls.value++;
    cells.latency.observe(durationMs / 1000);
  }

  onCall(plugin: string, _durationMs: number, fuelUsed: number, failure: SandboxFailure | null): void {
    const cells = failure === null ? this.pluginCells(plugin) : undefined;
    if (cells) {
      cells.ok.value++;
      if (fuelUsed > 0) (cells.fuel ??= this.fuel.cell({ plugin })).value += fuelUsed;
      return;
    }
    this.sandboxCalls.inc({ plugin, result: failure ?? "ok" });
    if (fuelUsed > 0) this.fuel.inc({ plugin }, fuelUsed);
    if (failure === "timeout") this.timeouts.inc({ plugin });
    else if (failure === "trap" || failure === "memory" || failure === "output_too_large" || failure === "fuel_exhausted") {
      this.traps.inc({ plugin, kind: failure });
    }
  }

  private toolCells(tool: string): ToolCells | undefined {
    let cells = this.byTool.get(tool);
    if (!cells && this.byTool.size < MAX_CACHED) {
      this.byTool.set(tool, (cells = { calls: new Map(), latency: this.toolLatency.cell({ tool }) }));
    }
    return cells;
  }

  private pluginCells(plugin: string): PluginCells | undefined {
    let cells = this.byPlugin.get(plugin);
    if (!cells && this.byPlugin.size < MAX_CACHED) {
      this.byPlugin.set(plugin, (cells = { ok: this.sandboxCalls.cell({ plugin, result: "ok" }), fuel: undefined }));
    }
    return cells;
  }
}
