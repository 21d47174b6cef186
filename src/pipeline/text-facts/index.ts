/**
 * The text facts both output screens share: the firewall's injection screen and output DLP each register
 * the trigger literals their detectors need (`gate`), and `factsOf` computes the facts of a text in one
 * pass (./scanner.ts) for all of them at once.
 *
 * Why shared: a tools/call result is screened by the firewall (prompt injection) and then by DLP (PII and
 * secrets), and both start by walking the same text. The last text's facts are kept, so when DLP asks
 * about the string the firewall has just scanned (a result with one text item: the common case), it gets
 * them without a second pass, and a clean 1 KB result costs one ~3 µs pass instead of a pass plus a dozen
 * regexes.
 *
 * The facts object is reused by the next scan: read what you need before scanning another text.
 */
import { buildScanner, type Scanner, type ScanFacts } from "./scanner.ts";

export type { ScanFacts } from "./scanner.ts";

/** A set of literals; `open(facts)` is true when the text contained at least one of them. */
export interface Gate {
  readonly literals: readonly string[];
  open(facts: ScanFacts): boolean;
}

const literals: string[] = [];
const indexOf = new Map<string, number>();
let scanner: Scanner | undefined;
let lastText: string | undefined;
let lastFacts: ScanFacts | undefined;

/** Registers the literals (lower-case printable ASCII, whitespace as one space) a detector needs. */
export function gate(wanted: readonly string[]): Gate {
  const indices: number[] = [];
  for (const literal of wanted) {
    let i = indexOf.get(literal);
    if (i === undefined) {
      i = literals.length;
      literals.push(literal);
      indexOf.set(literal, i);
      scanner = undefined; // rebuilt with the new literal at the next scan
      lastText = lastFacts = undefined;
    }
    indices.push(i);
  }
  return {
    literals: wanted,
    open(facts: ScanFacts): boolean {
      const found = facts.found;
      for (let k = 0; k < indices.length; k++) if (found[indices[k]!] === 1) return true;
      return false;
    },
  };
}

/** The facts of `text`; the same text as the previous call is not scanned again. */
export function factsOf(text: string): ScanFacts {
  if (text === lastText && lastFacts) return lastFacts;
  scanner ??= buildScanner(literals);
  lastFacts = scanner.scan(text);
  lastText = text;
  return lastFacts;
}
