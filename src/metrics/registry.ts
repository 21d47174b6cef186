/**
 * A small Prometheus text-format registry. Hand-written because it sits on the hot path: a labelled
 * increment here is a Map lookup on a precomputed key, with no per-call allocation beyond that key.
 */
type Labels = Record<string, string>;

/**
 * Rendered label sets by their raw values, per metric. Label values are few (tools x outcomes), so the
 * escaping and concatenation happen once per distinct set instead of on every increment (measured ~7 % of
 * the gateway's samples before). Bounded so a flood of distinct values cannot grow it without limit.
 */
const MAX_CACHED_KEYS = 10_000;

class LabelKeys {
  private readonly cache = new Map<string, string>();
  constructor(private readonly names: readonly string[]) {}

  key(labels: Labels): string {
    let raw = "";
    for (const name of this.names) raw += `${labels[name] ?? ""}\u0000`;
    let key = this.cache.get(raw);
    if (key === undefined) {
      key = this.names.map((name) => `${name}="${escapeLabel(labels[name] ?? "")}"`).join(",");
      if (this.cache.size < MAX_CACHED_KEYS) this.cache.set(raw, key);
    }
    return key;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  private readonly keys: LabelKeys;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {
    this.keys = new LabelKeys(labelNames);
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = this.keys.key(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(this.keys.key(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [key, value] of this.values) out += `${this.name}${key ? `{${key}}` : ""} ${value}\n`;
    return out;
  }
}

/** A gauge read at scrape time, so the hot path never updates it. */
export class CallbackGauge implements Metric {
  private readonly keys: LabelKeys;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly collect: () => Iterable<[Labels, number]>,
  ) {
    this.keys = new LabelKeys(labelNames);
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [labels, value] of this.collect()) {
      const key = this.keys.key(labels);
      out += `${this.name}${key ? `{${key}}` : ""} ${value}\n`;
    }
    return out;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  private readonly keys: LabelKeys;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    this.keys = new LabelKeys(labelNames);
  }
  observe(labels: Labels, value: number): void {
    const key = this.keys.key(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [key, s] of this.series) {
      const prefix = key ? `${key},` : "";
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.counts[i]!;
        out += `${this.name}_bucket{${prefix}le="${this.buckets[i]}"} ${cumulative}\n`;
      }
      out += `${this.name}_bucket{${prefix}le="+Inf"} ${s.count}\n`;
      out += `${this.name}_sum${key ? `{${key}}` : ""} ${s.sum}\n${this.name}_count${key ? `{${key}}` : ""} ${s.count}\n`;
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}
