/**
 * Secrets in arguments: a small set of precise detectors (well-known key formats) and one generic one
 * for high-entropy tokens. Output DLP has its own, larger set for results; this one only answers "did a
 * client put a credential into a tool's arguments?", so the call can be flagged (or blocked) and audited.
 *
 * Findings never carry the secret: only its kind and a masked prefix.
 */
import { factsOf, gate, type Gate } from "../text-facts/index.ts";

export interface SecretDetector {
  readonly kind: string;
  readonly label: string;
  /** Lower-case literals at least one of which every match contains: else the regex is not run. */
  readonly gates: readonly string[];
  readonly pattern: RegExp;
}

export interface SecretHit {
  kind: string;
  label: string;
  /** First characters and the length, e.g. "AKIA… (20 chars)". */
  masked: string;
}

export const SECRET_DETECTORS: readonly SecretDetector[] = [
  { kind: "aws_access_key_id", label: "AWS access key id", gates: ["akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "apka", "aroa", "asca"], pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/ },
  {
    kind: "aws_secret_access_key",
    label: "AWS secret access key",
    gates: ["aws"],
    pattern: /\baws[\w.-]{0,20}?(?:secret|private)[\w.-]{0,20}?["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i,
  },
  { kind: "private_key", label: "private key block", gates: ["private key"], pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "jwt", label: "JSON Web Token", gates: ["eyj"], pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  { kind: "github_token", label: "GitHub token", gates: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/ },
  { kind: "slack_token", label: "Slack token", gates: ["xox"], pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: "stripe_key", label: "Stripe secret key", gates: ["sk_live_", "rk_live_"], pattern: /\b[sr]k_live_[A-Za-z0-9]{20,}/ },
  { kind: "google_api_key", label: "Google API key", gates: ["aiza"], pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  { kind: "llm_api_key", label: "LLM provider API key", gates: ["sk-"], pattern: /\bsk-(?:ant-(?:api\d\d-)?|proj-)?[A-Za-z0-9_-]{32,}/ },
];

/** Candidate tokens for the generic detector: long runs of token characters. */
const TOKEN_RUN = /[A-Za-z0-9+/_-]{32,}/g;
/** Anchored at a run's start: a miss costs one pass instead of a retry inside every word. */
const TOKEN_HINT = /(?:^|[^A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32}/;
/** Longer runs are blobs (files, images), not credentials. */
const MAX_TOKEN = 128;
/**
 * Bits per character. Random base62 tokens of 32–64 chars measure 4.6–5.2; camelCase identifiers and
 * paths 3.5–4.1; hex digests and UUIDs at most 4.0 (16 symbols), so they are never reported.
 */
const MIN_ENTROPY = 4.3;
const MAX_CANDIDATES = 32;

/** Gates on the shared one-pass facts (usually already computed for this text by the injection screen). */
const DETECTOR_GATES: readonly Gate[] = SECRET_DETECTORS.map((d) => gate(d.gates));

export function findSecrets(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  if (text.length === 0) return hits;
  const facts = factsOf(text);
  const tokenRun = facts.longestTokenRun >= 32; // TOKEN_HINT needs a run of 32 token characters
  let covered: [number, number][] | undefined;
  for (let i = 0; i < SECRET_DETECTORS.length; i++) {
    if (!DETECTOR_GATES[i]!.open(facts)) continue;
    const d = SECRET_DETECTORS[i]!;
    const m = d.pattern.exec(text);
    if (!m) continue;
    hits.push({ kind: d.kind, label: d.label, masked: mask(m[0]) });
    (covered ??= []).push([m.index, m.index + m[0].length]);
  }
  if (tokenRun && TOKEN_HINT.test(text)) {
    let seen = 0;
    for (const m of text.matchAll(TOKEN_RUN)) {
      if (++seen > MAX_CANDIDATES) break;
      const token = m[0];
      if (token.length > MAX_TOKEN || !mixedClasses(token) || shannonEntropy(token) < MIN_ENTROPY) continue;
      const at = m.index;
      if (covered?.some(([from, to]) => at < to && at + token.length > from)) continue; // already named precisely
      hits.push({ kind: "high_entropy_token", label: "high-entropy token (possible API key)", masked: mask(token) });
      break;
    }
  }
  return hits;
}

function mask(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

function mixedClasses(s: string): boolean {
  let lower = false;
  let upper = false;
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  return lower && upper && digit;
}

export function shannonEntropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function describeSecrets(hits: readonly SecretHit[]): string {
  return hits.map((h) => `${h.label} (${h.masked})`).join(", ");
}
