/**
 * The scanning core shared by results, notifications and streams: which detectors run at a risk level
 * and with which action (resolved once from config, not per call), finding matches in a string, and
 * rewriting it. Text without findings is returned as the same string, so the common case allocates
 * nothing but an empty match list.
 */
import { createHash, createHmac } from "node:crypto";
import { factsOf } from "../text-facts/index.ts";
import type { RiskLevel } from "../types.ts";
import type { DlpAction, DlpConfig, DlpSetting } from "./config.ts";
import { DETECTOR_NAMES, DETECTOR_RANK, DETECTORS, type Detector, type DetectorName, type Match } from "./detectors.ts";

const RISK_LEVELS: readonly RiskLevel[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

/** What one risk level does: the detectors to run and the action for each. */
export interface LevelPlan {
  readonly detectors: readonly Detector[];
  readonly actions: Readonly<Partial<Record<DetectorName, DlpAction>>>;
}

export type Plan = Readonly<Record<RiskLevel, LevelPlan>>;

/** Resolves the precedence documented in ./config.ts into one table per risk level. */
export function buildPlan(config: Pick<DlpConfig, "action" | "detectors" | "risk">): Plan {
  const plan = {} as Record<RiskLevel, LevelPlan>;
  for (const level of RISK_LEVELS) {
    const override = config.risk[level];
    const actions: Partial<Record<DetectorName, DlpAction>> = {};
    const detectors: Detector[] = [];
    for (const name of DETECTOR_NAMES) {
      const base: DlpSetting = config.detectors[name] ?? config.action;
      const setting: DlpSetting = override?.detectors?.[name] ?? (base === "off" ? "off" : (override?.action ?? base));
      if (setting === "off") continue;
      actions[name] = setting;
      detectors.push(...DETECTORS[name]);
    }
    plan[level] = { detectors, actions };
  }
  return plan;
}

const NO_MATCHES: Match[] = [];

/**
 * All non-overlapping findings in `text`, in text order. On overlap the higher-ranked detector wins
 * (secrets before PII: a GitHub token in "ghp_…@github.com" is a token, not an email), then the longer.
 */
export function findMatches(text: string, detectors: readonly Detector[]): Match[] {
  if (text.length < 6) return NO_MATCHES;
  // One pass shared by every detector (and with the firewall, which has usually just scanned this text).
  const facts = factsOf(text);
  let out: Match[] | undefined;
  for (const detector of detectors) {
    if (detector.needs && !detector.needs(facts)) continue;
    out ??= [];
    detector.scan(text, out);
  }
  if (!out || out.length === 0) return NO_MATCHES;
  if (out.length === 1) return out;
  out.sort((a, b) => DETECTOR_RANK[a.detector] - DETECTOR_RANK[b.detector] || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Match[] = [];
  for (const m of out) {
    if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Turns matched values into tokens. `hash` is stable: the same value always gives the same token. */
export class Rewriter {
  constructor(private readonly hashKey: string | undefined) {}

  replacement(detector: DetectorName, value: string, action: DlpAction): string {
    switch (action) {
      case "mask":
        return mask(value);
      case "hash":
        return `[HASH:${detector}:${this.hash(detector, value)}]`;
      default:
        // "block" values are redacted too where the text still goes out (streams that cannot be recalled).
        return `[REDACTED:${detector}]`;
    }
  }

  private hash(detector: DetectorName, value: string): string {
    const canonical = `${detector}:${canonicalise(detector, value)}`;
    const h = this.hashKey ? createHmac("sha256", this.hashKey) : createHash("sha256");
    return h.update(canonical).digest("hex").slice(0, 16);
  }

  /** `text` with each match replaced; `actionOf` decides per match (undefined leaves it as is). */
  apply(text: string, matches: readonly Match[], actionOf: (m: Match) => DlpAction | undefined): string {
    let out = "";
    let at = 0;
    for (const m of matches) {
      const action = actionOf(m);
      if (!action) continue;
      out += text.slice(at, m.start) + this.replacement(m.detector, text.slice(m.start, m.end), action);
      at = m.end;
    }
    return at === 0 ? text : out + text.slice(at);
  }
}

/** The same card with or without spaces, or an email in another case, is the same value. */
function canonicalise(detector: DetectorName, value: string): string {
  switch (detector) {
    case "card":
    case "ssn":
    case "phone":
      return value.replace(/[^0-9+]/g, "");
    case "iban":
      return value.replace(/ /g, "").toUpperCase();
    case "email":
      return value.toLowerCase();
    default:
      return value;
  }
}

/**
 * Keeps the last four letters or digits and the shape of short values ("**** **** **** 1111");
 * long values (key blocks, tokens) collapse to a fixed width so the mask does not echo their length.
 */
export function mask(value: string): string {
  let keep = 4;
  let tail = "";
  let i = value.length - 1;
  for (; i >= 0 && keep > 0; i--) {
    const ch = value[i]!;
    if (/[A-Za-z0-9]/.test(ch)) keep--;
    tail = ch + tail;
  }
  if (value.length > 32) return `********${tail.replace(/[^A-Za-z0-9]/g, "")}`;
  return value.slice(0, i + 1).replace(/[A-Za-z0-9]/g, "*") + tail;
}
