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

/** One labelled series of a Counter, resolved once by its owner so an increment is `value += by`. */
export class CounterCell {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter implements Metric {
  private readonly cells = new Map<string, CounterCell>();
  private readonly keys: LabelKeys;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {
    this.keys = new LabelKeys(labelNames);
  }
  /**
   * The series for these labels, to keep and increment directly: for hot-path owners whose label values
   * are known ahead (a tool, an outcome). Saves building and hashing a key per increment (measured 2–4 µs
   * per tools/call). The series is listed (at 0) from the moment it is resolved, so owners resolve a cell
   * when its first increment is due.
   */
  cell(labels: Labels = {}): CounterCell {
    const key = this.keys.key(labels);
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = new CounterCell()));
    return cell;
  }
  inc(labels: Labels = {}, by = 1): void {
    this.cell(labels).value += by;
  }
  get(labels: Labels = {}): number {
    return this.cells.get(this.keys.key(labels))?.value ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [key, cell] of this.cells) out += `${this.name}${key ? `{${key}}` : ""} ${cell.value}\n`;
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

/** A counter kept by its owner as plain numbers (no labelled increment on the hot path), read at scrape time. */
export class CallbackCounter implements Metric {
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
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [labels, value] of this.collect()) {
      const key = this.keys.key(labels);
      out += `${this.name}${key ? `{${key}}` : ""} ${value}\n`;
    }
    return out;
  }
}

/** One labelled series of a Histogram, resolved once by its owner (see Counter.cell). */
export class HistogramCell {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(private readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(value: number): void {
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, HistogramCell>();
  private readonly keys: LabelKeys;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    this.keys = new LabelKeys(labelNames);
  }
  /** The series for these labels, to keep and observe directly (see Counter.cell). */
  cell(labels: Labels): HistogramCell {
    const key = this.keys.key(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = new HistogramCell(this.buckets)));
    return s;
  }
  observe(labels: Labels, value: number): void {
    this.cell(labels).observe(value);
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
