/**
 * DLP for text that leaves before the call ends: chunked streams and the notifications a call sends.
 *
 * Stream redactor: text that has gone out cannot be recalled, so the redactor holds back the last
 * `holdBackChars` of what it was given. Any value no longer than that which starts in the emitted part
 * is then wholly inside the scanned buffer, so a card number split across two chunks is seen whole.
 * The cut also never falls inside a match or inside a run of token characters (a long JWT or key block
 * still arriving), up to `maxHoldChars`; past that the redactor emits anyway, redacting what it has seen
 * (a private key block cut off before its END line still matches).
 *
 * Notifications are separate messages and cannot be held back and merged, so the notification scanner
 * keeps the tail of the call's earlier notification text and scans it joined to the new one: a value
 * split across two messages is found, and its part in the new message is redacted (the first part
 * already went out; the finding is recorded either way).
 */
import type { DlpAction } from "./config.ts";
import type { DetectorName, Match } from "./detectors.ts";
import { findMatches, type LevelPlan, type Rewriter } from "./engine.ts";
import { ResultScan } from "./walk.ts";

export interface StreamRedactorOptions {
  level: LevelPlan;
  rewriter: Rewriter;
  holdBackChars: number;
  maxHoldChars: number;
  onFinding?(detector: DetectorName, action: DlpAction): void;
}

export interface StreamRedactor {
  /** Takes the next chunk; returns the redacted text that may be sent now (often ""). */
  push(chunk: string): string;
  /** The stream ended: returns the rest, redacted. */
  end(): string;
  /** The first detector whose action is `block` that matched; the caller should abort the stream. */
  readonly blocked: DetectorName | undefined;
}

/** Characters of tokens, keys and base64: a cut between two of them could split a secret. */
const TOKENISH = /[A-Za-z0-9_\-+/=.@]/;
/** Already-emitted text kept so lookbehind boundaries see what preceded the buffer. */
const CONTEXT_CHARS = 64;

export function createStreamRedactor(opts: StreamRedactorOptions): StreamRedactor {
  let context = "";
  let pending = "";
  let blocked: DetectorName | undefined;

  const emit = (final: boolean): string => {
    const offset = context.length;
    const found = findMatches(context + pending, opts.level.detectors);
    const matches: Match[] = [];
    const clipped = new Set<Match>();
    for (const m of found) {
      if (m.end <= offset) continue; // wholly in text already sent
      const shifted = { start: Math.max(0, m.start - offset), end: m.end - offset, detector: m.detector };
      if (m.start < offset) clipped.add(shifted);
      matches.push(shifted);
    }
    let cut = final ? pending.length : pending.length - opts.holdBackChars;
    if (!final) {
      const floor = Math.max(0, pending.length - opts.maxHoldChars);
      let b = cut;
      while (b > floor && TOKENISH.test(pending[b - 1]!) && TOKENISH.test(pending[b]!)) b--;
      if (b > floor) cut = b;
      const straddling = matches.find((m) => m.start < cut && m.end > cut);
      if (straddling) cut = pending.length - straddling.start > opts.maxHoldChars ? straddling.end : straddling.start;
    }
    const sent = matches.filter((m) => m.end <= cut);
    for (const m of sent) {
      const action = opts.level.actions[m.detector]!;
      if (action === "block") blocked ??= m.detector;
      opts.onFinding?.(m.detector, action);
    }
    const out = opts.rewriter.apply(pending.slice(0, cut), sent, (m) => (clipped.has(m) ? "redact" : opts.level.actions[m.detector]));
    context = (context + pending.slice(0, cut)).slice(-CONTEXT_CHARS);
    pending = pending.slice(cut);
    return out;
  };

  return {
    push(chunk) {
      pending += chunk;
      return pending.length <= opts.holdBackChars ? "" : emit(false);
    },
    end() {
      return pending.length === 0 ? "" : emit(true);
    },
    get blocked() {
      return blocked;
    },
  };
}

/**
 * Scans the strings of one notification joined to the tail of the call's earlier notification text
 * (see the header). One instance per call; `tail` carries over between messages.
 */
export class NotificationScan extends ResultScan {
  tail = "";

  constructor(
    level: LevelPlan,
    rewriter: Rewriter,
    private readonly tailChars: number,
  ) {
    super(level, rewriter);
  }

  at(path: string): this {
    this.path.length = 0;
    this.path.push(path);
    return this;
  }

  /**
   * Each string is scanned alone (its own matches need no context from earlier messages, and text
   * glued to the previous message could hide them), then joined to the tail for matches that straddle
   * the boundary. The tail is only what followed the last match: a value already found is not found again.
   */
  override text(s: string): string {
    const own = findMatches(s, this.level.detectors);
    const matches: Match[] = [...own];
    const clipped = new Set<Match>();
    const offset = this.tail.length;
    if (offset > 0) {
      for (const m of findMatches(this.tail + s, this.level.detectors)) {
        if (m.start >= offset || m.end <= offset) continue;
        const part = { start: 0, end: m.end - offset, detector: m.detector };
        if (own.some((o) => o.start < part.end)) continue;
        clipped.add(part);
        matches.unshift(part);
      }
    }
    const lastEnd = matches.reduce((end, m) => Math.max(end, m.end), 0);
    this.tail = (matches.length === 0 ? this.tail + s : s.slice(lastEnd)).slice(-this.tailChars);
    if (matches.length === 0) return s;
    this.record(matches);
    if (this.blocked) {
      this.tail = ""; // the message is dropped: the client never saw its text
      return s;
    }
    // A clipped value's visible part is its end: masking would keep exactly the digits it should hide.
    return this.rewriter.apply(s, matches, (m) => (clipped.has(m) ? "redact" : this.level.actions[m.detector]));
  }
}
