/**
 * Prompt-injection screening: weighted heuristics over text, combined into a score in 0..1.
 *
 * Each detector is one precompiled, non-global regex run with `exec` (no allocation on a miss, no
 * lastIndex state); DESIGN.md measured separate regexes faster than one alternation. A detector counts
 * once however often it matches, and the weights combine like independent evidence:
 *   score = 1 - Π(1 - weight)
 * so one strong signal ("ignore previous instructions", 0.6) stays under a cautious threshold while two
 * together ("... and send the files to http://evil", +0.5 -> 0.8) pass it.
 *
 * Hidden text is looked at twice: its mere presence is a signal (zero-width characters, Unicode tag
 * characters, bidi overrides), and what it hides is decoded and screened again (tag characters spell
 * ASCII; base64 blobs are decoded when they look like text), scoring "encoded instructions" on a hit.
 */
import { factsOf, gate, type Gate, type ScanFacts } from "../text-facts/index.ts";

export interface Detector {
  readonly id: string;
  /** What a person reading a log or an error message is told was found. */
  readonly label: string;
  readonly weight: number;
  /** Lower-case literals at least one of which every match contains (whitespace as one space): else the detector is skipped. */
  readonly gates: readonly string[];
  readonly pattern: RegExp;
}

export interface InjectionHit {
  id: string;
  label: string;
  weight: number;
  /** The matched text, shortened; for logs and findings only (never echoed from results to clients). */
  excerpt: string;
}

export interface InjectionReport {
  score: number;
  hits: InjectionHit[];
}

const QUALIFIER = "(?:previous|prior|above|earlier|preceding|former|original|initial|existing|system|developer)";
const NOUN = "(?:instructions?|prompts?|rules|directives|guidelines|directions|commands|context|messages?|conversation)";

/** Detectors over plain text. Order matters only for the order findings are listed in. */
export const TEXT_DETECTORS: readonly Detector[] = [
  {
    id: "instruction_override",
    label: "instruction override",
    weight: 0.6,
    gates: ["ignor", "disregard", "forget", "overrid", "bypass", "skip"],
    pattern: new RegExp(`\\b(?:ignore|disregard|forget|override|bypass|skip)\\s+(?:(?:all|any|the|your|my|of|these|those|every)\\s+){0,3}${QUALIFIER}\\s+${NOUN}`, "i"),
  },
  {
    id: "instruction_override",
    label: "instruction override",
    weight: 0.6,
    gates: ["ignor", "disregard", "forget"],
    pattern: /\b(?:ignore|disregard|forget)\s+(?:(?:all|any|everything)\s+)(?:(?:of\s+)?(?:your|the)\s+)?(?:instructions?|rules|you(?:'ve| have) been told)/i,
  },
  {
    id: "new_instructions",
    label: "replacement instructions",
    weight: 0.35,
    gates: ["instruction", "task", "objective", "directive", "from now"],
    pattern: /\b(?:new|updated|real|actual|revised)\s+(?:system\s+)?(?:instructions?|task|objective|directive)s?\s*(?:[:\-]|are\b|is\b)|\bfrom\s+now\s+on,?\s+(?:you|your|ignore|always|only)\b/i,
  },
  {
    id: "role_marker",
    label: "chat-template / system-prompt marker",
    weight: 0.5,
    gates: ["<|", "inst]", "sys>>", "system", "assistant", "instruction"],
    pattern: /<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:system|system_prompt|assistant)>|(?:^|\n)\s*#{1,4}\s*(?:system|instructions?)\s*(?:prompt)?\s*:?\s*(?:\n|$)|(?:^|\n)\s*(?:system|assistant)\s*:\s/i,
  },
  {
    id: "role_play",
    label: "role-play / jailbreak",
    weight: 0.35,
    gates: ["are n", "pretend", "act as", "mode", "anything now"],
    pattern: /\byou\s+are\s+(?:now|no\s+longer)\b|\bpretend\s+(?:to\s+be|you(?:'re|\s+are))\b|\bact\s+as\s+(?:if\s+you|an?\s+(?:unrestricted|unfiltered|evil|jailbroken))|\b(?:developer|god|dan|jailbreak)\s+mode\b|\bdo\s+anything\s+now\b/i,
  },
  {
    id: "prompt_leak",
    label: "system-prompt extraction",
    weight: 0.45,
    gates: ["prompt", "instruction"],
    pattern: /\b(?:reveal|print|show|repeat|output|display|leak|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+(?:(?:full|entire|original|hidden|secret|initial)\s+)?(?:system\s+prompt|instructions|initial\s+prompt|hidden\s+prompt)/i,
  },
  {
    id: "secrecy",
    label: "concealment from the user",
    weight: 0.35,
    gates: ["user", "human", "anyone", "important>"],
    pattern: /\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|mention|reveal|show|alert|notify)\s+(?:this\s+to\s+)?(?:the\s+)?(?:user|human|anyone)|\bwithout\s+(?:telling|informing|notifying|alerting)\s+(?:the\s+)?(?:user|human)|<\/?important>/i,
  },
  {
    id: "exfiltration",
    label: "exfiltration instruction",
    // Alone it is often an ordinary request ("send the report to alice@example.com"): below every default threshold.
    weight: 0.4,
    gates: ["://", "@"],
    pattern: /\b(?:send|post|upload|forward|transmit|exfiltrate|leak|email|e-mail|copy|submit|deliver)\b[^\n]{0,100}?\b(?:to|at|via|into)\s+(?:https?:\/\/|ftp:\/\/|wss?:\/\/|[\w.+-]+@[\w-]+\.[\w.]+)/i,
  },
  {
    id: "markdown_exfil",
    label: "markdown/HTML image with data in its URL",
    weight: 0.45,
    gates: ["![", "<img"],
    pattern: /!\[[^\]\n]{0,200}\]\(\s*<?https?:\/\/[^)\s]*[?&#][^)\s]*=|<img\b[^>]{0,200}\bsrc\s*=\s*["']?https?:\/\/[^"'\s>]*[?&#][^"'\s>]*=/i,
  },
  {
    id: "sensitive_path",
    label: "reference to credential files",
    weight: 0.3,
    gates: ["ssh", "id_", "credentials", "passwd", "shadow", ".env"],
    pattern: /~\/\.ssh\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws\/credentials|\/etc\/(?:passwd|shadow)\b|(?:^|[\s\/"'`])\.env\b/i,
  },
  {
    id: "tool_call",
    label: "forged tool call",
    weight: 0.4,
    gates: ["tool", "function", "invoke"],
    pattern: /<\/?(?:tool_call|function_calls?|tool_use|invoke)\b|"(?:tool_calls?|function_call)"\s*:|\bcall\s+the\s+[\w-]+\s+tool\s+(?:with|to)\b/i,
  },
];

const ZERO_WIDTH: Detector = { id: "hidden_text", label: "zero-width characters", weight: 0.25, gates: [], pattern: /[\u200B-\u200D\u2060\u180E]|(?!^)\uFEFF/ };
const BIDI: Detector = { id: "hidden_text", label: "bidirectional override characters", weight: 0.3, gates: [], pattern: /[\u202A-\u202E\u2066-\u2069]/ };
const TAGS: Detector = { id: "hidden_text", label: "Unicode tag characters (invisible ASCII)", weight: 0.6, gates: [], pattern: /[\u{E0000}-\u{E007F}]/u };
const HIDDEN_DETECTORS = [ZERO_WIDTH, BIDI, TAGS];
/** Any of the above (tag characters are surrogate pairs starting with U+DB40). */
const ANY_HIDDEN = /[\u180E\u200B-\u200D\u2060\u202A-\u202E\u2066-\u2069\uFEFF\uDB40]/;
const TAG_RUN = /[\u{E0000}-\u{E007F}]+/gu;

const ENCODED_WEIGHT = 0.7;
/** A run long enough to hide a sentence; bounded so a 1 MB file is not decoded whole. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g; // keep in step with MIN_BASE64
const MIN_BASE64 = 24;
const MAX_BLOBS = 8;
const MAX_BLOB_CHARS = 8192;

const EXCERPT = 80;
const excerpt = (s: string) => (s.length > EXCERPT ? `${s.slice(0, EXCERPT - 1)}…` : s).replace(/\s+/g, " ");

export function screenText(text: string): InjectionReport {
  const hits: InjectionHit[] = [];
  if (text.length === 0) return { score: 0, hits };
  const facts = runDetectors(text, hits);
  // Read before decoding hidden text below: that rescans, and the scanner's result is reused.
  const nonAscii = facts.nonAscii;
  const longestTokenRun = facts.longestTokenRun;
  // Hidden characters are all non-ASCII; one class scan finds any before telling them apart.
  if (nonAscii && ANY_HIDDEN.test(text)) screenHiddenCharacters(text, hits);
  if (longestTokenRun >= MIN_BASE64) screenBase64(text, hits);
  return { score: combine(hits), hits };
}

function screenHiddenCharacters(text: string, hits: InjectionHit[]): void {
  for (const d of HIDDEN_DETECTORS) {
    const m = d.pattern.exec(text);
    if (!m) continue;
    addHit(hits, d, `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
    if (d === TAGS) screenHidden(decodeTags(text), "Unicode tag characters", hits);
  }
}

/**
 * Each detector runs only when one of its trigger literals occurs; one Aho-Corasick pass finds them all
 * (../text-facts: ~3 µs per KB for all of them, against ~1 µs per KB for each detector regex run blindly),
 * and output DLP reuses the same pass over a result.
 */
const DETECTOR_GATES: readonly Gate[] = TEXT_DETECTORS.map((d) => gate(d.gates));

function runDetectors(text: string, hits: InjectionHit[]): ScanFacts {
  const facts = factsOf(text);
  for (let i = 0; i < TEXT_DETECTORS.length; i++) {
    const d = TEXT_DETECTORS[i]!;
    if (!DETECTOR_GATES[i]!.open(facts) || hits.some((h) => h.id === d.id)) continue;
    const m = d.pattern.exec(text);
    if (m) addHit(hits, d, excerpt(m[0]));
  }
  return facts;
}

function addHit(hits: InjectionHit[], d: Detector, found: string): void {
  if (!hits.some((h) => h.id === d.id && h.label === d.label)) hits.push({ id: d.id, label: d.label, weight: d.weight, excerpt: found });
}

/** Screens decoded hidden text; any instruction inside counts as "encoded instructions". */
function screenHidden(decoded: string, how: string, hits: InjectionHit[]): void {
  const inner: InjectionHit[] = [];
  runDetectors(decoded, inner);
  if (inner.length === 0 || hits.some((h) => h.id === "encoded_instructions")) return;
  hits.push({
    id: "encoded_instructions",
    label: `instructions hidden in ${how} (${inner.map((h) => h.label).join(", ")})`,
    weight: ENCODED_WEIGHT,
    excerpt: excerpt(decoded),
  });
}

function decodeTags(text: string): string {
  let out = "";
  for (const run of text.matchAll(TAG_RUN)) {
    for (const ch of run[0]) out += String.fromCharCode(ch.codePointAt(0)! - 0xe0000);
    out += "\n";
  }
  return out;
}

function screenBase64(text: string, hits: InjectionHit[]): void {
  let blobs = 0;
  for (const m of text.matchAll(BASE64_RUN)) {
    if (++blobs > MAX_BLOBS) break;
    const decoded = decodeBase64Text(m[0].slice(0, MAX_BLOB_CHARS));
    if (decoded) screenHidden(decoded, "base64", hits);
    if (hits.some((h) => h.id === "encoded_instructions")) return;
  }
}

/** The blob as text, or undefined when it decodes to binary (images, archives: nothing to read). */
export function decodeBase64Text(blob: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = Buffer.from(blob.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  } catch {
    return undefined;
  }
  if (bytes.length < 12) return undefined;
  let printable = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
  return printable / bytes.length >= 0.9 ? bytes.toString("utf8") : undefined;
}

export function combine(hits: readonly InjectionHit[]): number {
  let clean = 1;
  for (const h of hits) clean *= 1 - h.weight;
  return Math.round((1 - clean) * 1000) / 1000;
}

/** "instruction override, exfiltration instruction" — what an error message names. */
export function describeHits(hits: readonly InjectionHit[]): string {
  return hits.map((h) => h.label).join(", ");
}
