/**
 * The detectors (PII here, secrets in ./secrets.ts): one precompiled regex (or two) each, plus a
 * validator run only on candidates.
 * Separate regexes beat one big alternation here (DESIGN.md: 8 regexes over 1 KB measured ~3 µs), and a
 * cheap `hint` (a substring or character test) skips a detector outright on text that cannot match.
 *
 * Boundaries are explicit lookarounds rather than \b, so "_" and "-" next to a number count as breaks
 * while letters and digits do not (a card number inside a hex id is not a card number).
 */
import { gate, type ScanFacts } from "../text-facts/index.ts";
import { ibanChecksumOk, ibanLength, ipv4Sensitive, ipv6Sensitive, isCardNumber, looksLikeVersion, ssnValid } from "./validators.ts";
import { DETECTOR_NAMES, regexDetector, type Detector, type DetectorName } from "./regex-detector.ts";
import { apiToken, awsKey, jwt, privateKey } from "./secrets.ts";

export { DETECTOR_NAMES, type Detector, type DetectorName, type Match } from "./regex-detector.ts";

// ---- card numbers: 13-19 digits, optional space/dash separators, Luhn + issuer checked ----------------
const CARD = /(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,}(?![0-9A-Za-z])/g;

/**
 * A run of digit groups may hold a card plus neighbours ("ref 12 4111 1111 1111 1111 2024"): try the
 * whole run, then every contiguous run of groups of at least 3 digits, longest first.
 */
function validateCard(m: RegExpExecArray): boolean | readonly [number, number] {
  const run = m[0];
  const digits = run.replace(/[ -]/g, "");
  if (digits.length === run.length) return isCardNumber(digits);
  if (isCardNumber(digits)) return true;
  const groups: { start: number; end: number }[] = [];
  for (const g of run.matchAll(/[0-9]+/g)) groups.push({ start: g.index, end: g.index + g[0].length });
  for (let size = groups.length - 1; size >= 1; size--) {
    for (let i = 0; i + size <= groups.length; i++) {
      const slice = groups.slice(i, i + size);
      if (slice.some((g) => g.end - g.start < 3)) continue;
      const first = slice[0]!;
      const last = slice[slice.length - 1]!;
      if (isCardNumber(run.slice(first.start, last.end).replace(/[ -]/g, ""))) return [m.index + first.start, m.index + last.end];
    }
  }
  return false;
}

// ---- US social security numbers: AAA-GG-SSSS (or spaced); bare nine digits only after "SSN" -------------
const SSN = /(?<![0-9A-Za-z-])([0-9]{3})([- ])([0-9]{2})\2([0-9]{4})(?![0-9A-Za-z]|-[0-9])/g;
const SSN_LABELLED = /(?:ssn|social security(?: number)?|ss#)\W{0,5}([0-9]{3})([0-9]{2})([0-9]{4})(?![0-9])/gi;

/** Both forms hold nine digits in one number-like run. */
const nineDigits = (f: ScanFacts) => f.longestDigitRun >= 9;
const ssnStandalone = regexDetector("ssn", SSN, (m) => ssnValid(m[1]!, m[3]!, m[4]!), undefined, nineDigits);
const ssnLabelled = regexDetector("ssn", SSN_LABELLED, (m) => ssnValid(m[1]!, m[2]!, m[3]!) && [m.index + m[0].length - 9, m.index + m[0].length], undefined, nineDigits);

// ---- emails ------------------------------------------------------------------------------------------
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![A-Za-z0-9-])/g;
/** "icon@2x.png" and friends: a file extension where a top-level domain should be. */
const FILE_EXTENSIONS = new Set(
  "png jpg jpeg gif svg webp ico bmp js mjs cjs ts tsx jsx json css scss html htm txt yml yaml xml java class jar zip gz tgz tar exe dll lock map wasm toml ini cfg log csv pdf".split(" "),
);

// ---- phone numbers: E.164 / international with "+", NANP, and trunk-prefixed national numbers -----------
const PHONE = new RegExp(
  "(?<![0-9A-Za-z+_])(?:" +
    "(\\+[1-9][0-9]{0,2}(?:[ .-]?\\(?[0-9]{1,4}\\)?)?(?:[ .-]?[0-9]{2,8}){1,4})" + // +44 20 7946 0958, +14155552671
    "|(?:1[ .-]?)?\\([2-9][0-9]{2}\\) ?[2-9][0-9]{2}[ .-][0-9]{4}" + // (415) 555-2671
    "|(?:1[ .-])?[2-9][0-9]{2}([ .-])[2-9][0-9]{2}\\2[0-9]{4}" + // 415-555-2671, 1-800-555-0199
    "|(0[0-9]{1,4}(?:[ -][0-9]{2,8}){1,4})" + // 020 7946 0958, 030 12345678, 01 23 45 67 89
    ")(?![0-9A-Za-z_]|[.-][0-9])",
  "g",
);
const digitCount = (s: string): number => s.replace(/[^0-9]/g, "").length;

/**
 * Every accepted form has eight or more digits in one run (validated "+" numbers, NANP), or digits in
 * groups ("01 23", the shortest national form).
 */
const phoneShape = (f: ScanFacts) => f.longestDigitRun >= 8 || f.groupedDigits;
const AT_GATE = gate(["@"]);

function validatePhone(m: RegExpExecArray): boolean {
  if (m[1] !== undefined) {
    const n = digitCount(m[1]);
    return n >= 8 && n <= 15;
  }
  if (m[3] !== undefined) {
    const n = digitCount(m[3]);
    return n >= 10 && n <= 11;
  }
  return true;
}

// ---- IBANs: country, check digits, BBAN in groups of four or unbroken; length per country, mod 97 --------
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;

function validateIban(m: RegExpExecArray): boolean | readonly [number, number] {
  const want = ibanLength(m[0].slice(0, 2));
  if (want === undefined) return false;
  // The regex may have taken a following group of four; cut the candidate at the country's length.
  let seen = 0;
  let i = 0;
  let compact = "";
  for (; i < m[0].length && seen < want; i++) {
    const ch = m[0][i]!;
    if (ch !== " ") {
      compact += ch;
      seen++;
    }
  }
  if (seen < want || !ibanChecksumOk(compact)) return false;
  return i === m[0].length ? true : [m.index, m.index + i];
}

// ---- IP addresses ------------------------------------------------------------------------------------
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = new RegExp(`(?<![0-9A-Za-z._-])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z_]|\\.[0-9]|-[0-9A-Za-z])`, "g");
const IPV6 = /(?<![0-9A-Za-z:_.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3}(?![0-9A-Za-z_:]|\.[0-9])/g;

/**
 * Seeds that start with a rare character: scanning for them is ~20x cheaper than running the full
 * regexes, which start at every digit (measured in bench/dlp.bench.ts).
 */
const IPV4_SEED = /\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]/;
const IPV6_SEED = /::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/;

const ipv4 = regexDetector(
  "ip",
  IPV4,
  (m, text) => ipv4Sensitive(m[0]) && !looksLikeVersion(text.slice(Math.max(0, m.index - 16), m.index)),
  (t) => IPV4_SEED.test(t),
  (f) => f.longestDigitRun >= 4, // four dotted octets
);
const ipv6 = regexDetector("ip", IPV6, (m) => ipv6Sensitive(m[0]), (t) => IPV6_SEED.test(t));

/** In priority order: on two equal spans the earlier detector names the finding. */
export const DETECTORS: Readonly<Record<DetectorName, readonly Detector[]>> = {
  private_key: [privateKey],
  jwt: [jwt],
  aws_key: [awsKey],
  api_token: apiToken,
  iban: [regexDetector("iban", IBAN, validateIban, undefined, (f) => f.upperUpperDigitDigit)],
  card: [regexDetector("card", CARD, validateCard, undefined, (f) => f.longestDigitRun >= 13)],
  ssn: [ssnStandalone, ssnLabelled],
  email: [regexDetector("email", EMAIL, (m) => !FILE_EXTENSIONS.has(m[1]!.toLowerCase()), (t) => t.includes("@"), (f) => AT_GATE.open(f))],
  phone: [regexDetector("phone", PHONE, validatePhone, undefined, phoneShape)],
  ip: [ipv4, ipv6],
};

export const DETECTOR_RANK: Readonly<Record<DetectorName, number>> = Object.fromEntries(DETECTOR_NAMES.map((n, i) => [n, i])) as Record<
  DetectorName,
  number
>;
