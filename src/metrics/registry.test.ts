import { describe, expect, test } from "bun:test";
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from "./registry.ts";

describe("Prometheus text rendering", () => {
  test("counters keep one series per label set and escape quotes, backslashes and newlines", () => {
    const registry = new MetricsRegistry();
    const calls = registry.register(new Counter("calls_total", "calls", ["tool", "outcome"]));
    calls.inc({ tool: "echo", outcome: "ok" });
    calls.inc({ tool: "echo", outcome: "ok" }, 2);
    calls.inc({ tool: 'we"ird\\na\nme', outcome: "ok" });
    const text = registry.render();
    expect(text).toContain("# TYPE calls_total counter");
    expect(text).toContain('calls_total{tool="echo",outcome="ok"} 3');
    expect(text).toContain('calls_total{tool="we\\"ird\\\\na\\nme",outcome="ok"} 1');
    expect(calls.get({ tool: "echo", outcome: "ok" })).toBe(3);
  });

  test("label sets that only differ in where values split are different series", () => {
    const c = new Counter("c", "c", ["a", "b"]);
    c.inc({ a: "x", b: "yz" });
    c.inc({ a: "xy", b: "z" });
    expect(c.get({ a: "x", b: "yz" })).toBe(1);
    expect(c.get({ a: "xy", b: "z" })).toBe(1);
  });

  test("histograms render cumulative buckets, sum and count", () => {
    const h = new Histogram("latency_seconds", "l", ["tool"], [0.01, 0.1]);
    h.observe({ tool: "t" }, 0.005);
    h.observe({ tool: "t" }, 0.05);
    h.observe({ tool: "t" }, 5);
    const text = h.render();
    expect(text).toContain('latency_seconds_bucket{tool="t",le="0.01"} 1');
    expect(text).toContain('latency_seconds_bucket{tool="t",le="0.1"} 2');
    expect(text).toContain('latency_seconds_bucket{tool="t",le="+Inf"} 3');
    expect(text).toContain('latency_seconds_count{tool="t"} 3');
    expect(text).toContain('latency_seconds_sum{tool="t"} 5.055');
  });

  test("callback gauges are read at scrape time", () => {
    let live = 1;
    const g = new CallbackGauge("live", "live", ["plugin"], () => [[{ plugin: "p" }, live]]);
    expect(g.render()).toContain('live{plugin="p"} 1');
    live = 4;
    expect(g.render()).toContain('live{plugin="p"} 4');
  });
});
