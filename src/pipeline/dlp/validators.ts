/**
 * Checks that turn a regex candidate into a finding. Regexes find things that look right; these decide
 * whether they are: checksums (Luhn, IBAN mod-97), issued ranges (card IINs, SSN areas), decodable
 * structure (JWT headers, IPv6) and randomness (secrets assigned to key-like names). Each runs only on a
 * candidate, never on the whole text, so they may allocate a little.
 */
import { isIPv6 } from "node:net";

/** Luhn (mod 10) over a string of ASCII digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes and lengths of the card networks people actually pay with. A Luhn check alone passes
 * one random number in ten; requiring a real IIN for the length rejects most order and tracking numbers.
 */
export function cardIssuerOk(d: string): boolean {
  const len = d.length;
  const p1 = d.charCodeAt(0) - 48;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  if (p1 === 4) return len === 13 || len === 16 || len === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return len === 15; // American Express
  if (p2 === 30 || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14 && len <= 19; // Diners Club
  if (p2 === 35) return p4 >= 3528 && p4 <= 3589 && len >= 16 && len <= 19; // JCB
  if (p1 === 6) return len >= 16 && len <= 19; // Discover, UnionPay, Maestro, RuPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 58)) return len >= 13 && len <= 19; // Maestro
  return false;
}

export const isCardNumber = (digits: string): boolean =>
  digits.length >= 13 && digits.length <= 19 && cardIssuerOk(digits) && luhn(digits);

/** Numbers the SSA never issues, plus the famous ones printed on sample cards and in ads. */
const NEVER_ISSUED_SSN = new Set(["078051120", "219099999", "123456789", "457555462"]);

export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === "000" || area === "666" || area.charCodeAt(0) === 57 /* 9xx */) return false;
  if (group === "00" || serial === "0000") return false;
  return !NEVER_ISSUED_SSN.has(area + group + serial);
}

/** IBAN length per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Record<string, number> = Object.fromEntries(
  (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 " +
    "ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 " +
    "LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 " +
    "PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
  )
    .split(" ")
    .map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);

export const ibanLength = (country: string): number | undefined => IBAN_LENGTHS[country];

/** ISO 13616 check: move the first four characters to the end, letters to numbers, the whole mod 97 = 1. */
export function ibanChecksumOk(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** Addresses that identify nobody: unspecified, loopback, broadcast and netmasks. */
export function ipv4Sensitive(ip: string): boolean {
  return !(ip === "0.0.0.0" || ip.startsWith("127.") || ip.startsWith("255."));
}

export function ipv6Sensitive(candidate: string): boolean {
  if (!isIPv6(candidate)) return false;
  // "::" and "::1" (and their long forms) are the unspecified and loopback addresses.
  const hex = candidate.replace(/[:.]/g, "").replace(/^0+/, "");
  return hex !== "" && hex !== "1";
}

/** Text just before a dotted quad that says it is a version, not an address. */
const VERSION_CONTEXT = /(?:^|[^A-Za-z])(?:version|release|build|ver\.?)\s*[:=]?\s*$/i;
export const looksLikeVersion = (before: string): boolean => VERSION_CONTEXT.test(before);

/** The header of a JWT is base64url JSON naming an algorithm; anything else is just dots and letters. */
export function jwtHeaderOk(header: string): boolean {
  try {
    const json = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    return typeof json === "object" && json !== null && typeof json.alg === "string";
  } catch {
    return false;
  }
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|\{\{.*\}\}|%[A-Z_]+%|your[_-].*|.*(?:example|placeholder|changeme|redacted|dummy|sample|xxxx).*|null|none|nil|true|false|undefined|process\.env\..*|os\.environ.*)$/i;

/** "changeme", "<token>", "${API_KEY}", "password"...: a name for a secret, not one. */
export const isPlaceholder = (value: string): boolean => PLACEHOLDER.test(value) || /^(?:pass(?:word)?|secret|pwd|user)$/i.test(value);

/**
 * Does a value assigned to a secret-looking name look like a real secret? Long enough, not a
 * placeholder, several character classes and enough entropy (English words and identifiers have less).
 */
export function looksRandom(value: string, minLength = 12): boolean {
  if (value.length < minLength || PLACEHOLDER.test(value)) return false;
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/[0-9]/.test(value)) classes++;
  if (/[^A-Za-z0-9]/.test(value)) classes++;
  if (classes < 2) return false;
  // Identifiers like "read_only_access" or "my-service-name" have two classes but little entropy;
  // without digits a value must be more varied to count.
  const h = entropy(value);
  return /[0-9]/.test(value) ? h >= 3.2 : h >= 3.7;
}
