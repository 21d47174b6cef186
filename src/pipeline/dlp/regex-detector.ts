/**
 * What a detector is, and the common shape of one: a global regex run over the text, with a validator
 * deciding on each candidate (optionally re-spanning it), and `needs`: a necessary condition on the text's
 * shared facts (../text-facts: trigger literals, number shapes) that skips the regex outright on text that
 * cannot match. `needs` must never be false for a text the regex could match: it only saves time.
 */
import type { ScanFacts } from "../text-facts/index.ts";

/** Also the priority order: on overlapping matches the earlier detector wins (secrets before PII). */
export const DETECTOR_NAMES = ["private_key", "jwt", "aws_key", "api_token", "iban", "card", "ssn", "email", "phone", "ip"] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** A finding's span in the scanned text. */
export interface Match {
  start: number;
  end: number;
  detector: DetectorName;
}

export interface Detector {
  readonly name: DetectorName;
  /** Pushes every validated match in `text` onto `out`. */
  scan(text: string, out: Match[]): void;
  /** False when the text's facts rule out any match (then `scan` is not called). */
  readonly needs?: (facts: ScanFacts) => boolean;
}

export type Validate = (m: RegExpExecArray, text: string) => boolean | readonly [number, number];

/** The common shape: run a global regex, keep candidates the validator accepts (optionally re-spanned). */
export function regexDetector(
  name: DetectorName,
  regex: RegExp,
  validate: Validate | null,
  hint?: (text: string) => boolean,
  needs?: (facts: ScanFacts) => boolean,
): Detector {
  return {
    name,
    needs,
    scan(text, out) {
      if (hint && !hint(text)) return;
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        const verdict = validate ? validate(m, text) : true;
        if (verdict === true) out.push({ start: m.index, end: m.index + m[0].length, detector: name });
        else if (verdict !== false) out.push({ start: verdict[0], end: verdict[1], detector: name });
      }
    },
  };
}

/** The span of the captured value (the last group that matched) inside the match. */
export function valueSpan(m: RegExpExecArray): readonly [number, number] {
  let value = m[0];
  for (let i = m.length - 1; i >= 1; i--) {
    if (m[i] !== undefined) {
      value = m[i]!;
      break;
    }
  }
  const start = m.index + m[0].lastIndexOf(value);
  return [start, start + value.length];
}
