/**
 * Applies a level's plan to a whole MCP result: every string value of text content, structured content,
 * embedded resources, resources/read contents and prompt messages, wherever it sits. One generic walk
 * instead of a walker per result shape, because plugins put text in many places (annotations, _meta,
 * resource links) and a secret in any of them leaks just the same.
 *
 * Left alone: the protocol's own vocabulary (`type`, `mimeType`, `role`), base64 image/audio `data`, and
 * `blob`s unless their mimeType says they are text (then decoded, scanned and re-encoded).
 * Copy-on-write: untouched subtrees keep their identity, and a clean result is returned as is.
 */
import type { DlpAction } from "./config.ts";
import type { DetectorName, Match } from "./detectors.ts";
import { findMatches, type LevelPlan, type Rewriter } from "./engine.ts";

export interface Hit {
  count: number;
  action: DlpAction;
  /** Where the values were (e.g. `content[0].text`), at most a few, never the values themselves. */
  paths: string[];
}

const MAX_PATHS = 3;
const SKIPPED_KEYS = new Set(["type", "mimeType", "role"]);
const BINARY_TYPES = new Set(["image", "audio"]);
const TEXTUAL_MIME = /^text\/|[/+](?:json|xml|yaml|csv|javascript|ecmascript|x-sh|sql|toml|x-www-form-urlencoded)(?:;|$)/i;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ResultScan {
  readonly hits = new Map<DetectorName, Hit>();
  /** Set when a match's action is `block`; the walk stops at once. */
  blocked = false;
  protected readonly path: (string | number)[] = [];

  constructor(
    protected readonly level: LevelPlan,
    protected readonly rewriter: Rewriter,
  ) {}

  /** Starts a new scan with this instance: forget the previous one's hits, verdict and position. */
  reset(): this {
    this.hits.clear();
    this.blocked = false;
    this.path.length = 0;
    return this;
  }

  /** `value` with its findings rewritten, or `value` itself when nothing was found. */
  walk(value: unknown, key?: string | number, parent?: Record<string, unknown>): unknown {
    if (this.blocked) return value;
    if (typeof value === "string") return this.field(value, key, parent);
    if (typeof value === "number") return this.number(value);
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        const next = this.walk(value[i], i, undefined);
        this.path.pop();
        if (next !== value[i]) (copy ??= value.slice())[i] = next;
      }
      return copy ?? value;
    }
    const obj = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k in obj) {
      this.path.push(k);
      const next = this.walk(obj[k], k, obj);
      this.path.pop();
      if (next !== obj[k]) (copy ??= { ...obj })[k] = next;
    }
    return copy ?? value;
  }

  /** Scans one string; returns it rewritten (or unchanged). */
  text(s: string): string {
    const matches = findMatches(s, this.level.detectors);
    if (matches.length === 0) return s;
    this.record(matches);
    if (this.blocked) return s;
    return this.rewriter.apply(s, matches, (m) => this.level.actions[m.detector]);
  }

  private field(s: string, key: string | number | undefined, parent: Record<string, unknown> | undefined): string {
    if (typeof key === "string" && parent) {
      if (SKIPPED_KEYS.has(key)) return s;
      if (key === "data" && BINARY_TYPES.has(parent.type as string)) return s;
      if (key === "blob") return this.blob(s, parent.mimeType);
    }
    return this.text(s);
  }

  private blob(b64: string, mimeType: unknown): string {
    if (typeof mimeType !== "string" || !TEXTUAL_MIME.test(mimeType)) return b64;
    let decoded: string;
    try {
      decoded = utf8.decode(Buffer.from(b64, "base64"));
    } catch {
      return b64; // labelled text but not UTF-8: leave it as the binary it is
    }
    const scanned = this.text(decoded);
    return scanned === decoded ? b64 : Buffer.from(scanned, "utf8").toString("base64");
  }

  /** A card number can arrive as a JSON number; large integers are scanned as their digits. */
  private number(n: number): number | string {
    if (!Number.isSafeInteger(n) || Math.abs(n) < 1e11) return n;
    const s = String(n);
    const out = this.text(s);
    return out === s ? n : out;
  }

  protected record(matches: readonly Match[]): void {
    const where = this.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "") || "(result)";
    for (const m of matches) {
      const action = this.level.actions[m.detector]!;
      if (action === "block") this.blocked = true;
      let hit = this.hits.get(m.detector);
      if (!hit) this.hits.set(m.detector, (hit = { count: 0, action, paths: [] }));
      hit.count++;
      if (hit.paths.length < MAX_PATHS && !hit.paths.includes(where)) hit.paths.push(where);
    }
  }
}
