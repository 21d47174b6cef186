import { describe, expect, test } from "bun:test";
import { buildScanner } from "./scanner.ts";

const scanner = buildScanner(["ignor", "from now", "system", "tem", "<|", "://", "@"]);
const found = (text: string) => {
  const facts = scanner.scan(text);
  return scanner.literals.filter((_, i) => facts.found[i] === 1);
};

describe("one-pass trigger scanner", () => {
  test("finds every literal, case-insensitively, including ones inside others", () => {
    expect(found("SYSTEM: Ignore this")).toEqual(["ignor", "system", "tem"]);
    expect(found("<|im_start|> see https://x.example or mail a@b.c")).toEqual(["<|", "://", "@"]);
    expect(found("an ordinary sentence")).toEqual([]);
  });

  test("whitespace runs (tabs, newlines, non-breaking spaces) count as one space", () => {
    expect(found("from \t\n now on")).toEqual(["from now"]);
    expect(found("from\u00A0now on")).toEqual(["from now"]);
    expect(found("fromnow")).toEqual([]);
  });

  test("a non-ASCII character between letters breaks a literal, as it breaks the regex", () => {
    expect(found("ign\u200Bore")).toEqual([]);
    expect(scanner.scan("ign\u200Bore").nonAscii).toBe(true);
    expect(scanner.scan("plain ascii").nonAscii).toBe(false);
  });

  test("longest run of token characters (base64 / API keys)", () => {
    expect(scanner.scan("a bb ccc").longestTokenRun).toBe(3);
    expect(scanner.scan(`key=${"Ab9+/_-".repeat(5)} end`).longestTokenRun).toBe(35);
  });

  test("literals must be lower-case printable ASCII", () => {
    expect(() => buildScanner(["Ignore"])).toThrow("lower-case printable ASCII");
  });
});

describe("number shapes (which PII detectors can match at all)", () => {
  const facts = (text: string) => {
    const f = scanner.scan(text);
    return { digits: f.longestDigitRun, grouped: f.groupedDigits, iban: f.upperUpperDigitDigit };
  };

  test("digits joined by number separators count as one run; letters end it", () => {
    expect(facts("card 4111 1111-1111 1111 ok").digits).toBe(16);
    expect(facts("call +1 (415) 555.2671 now").digits).toBe(11);
    expect(facts("order 0123The next 45").digits).toBe(4);
    expect(facts("no numbers here").digits).toBe(0);
  });

  test("grouped digits: a digit, one space, dash or dot, a digit", () => {
    expect(facts("01 23").grouped).toBe(true);
    expect(facts("v1.2").grouped).toBe(true);
    expect(facts("0123 and 45").grouped).toBe(false);
    expect(facts("1, 2").grouped).toBe(false);
  });

  test("two upper-case letters then two digits (an IBAN's start)", () => {
    expect(facts("pay DE89 3704").iban).toBe(true);
    expect(facts("pay De89 or D89").iban).toBe(false);
    expect(facts("AB1 C2").iban).toBe(false);
  });

  test("a non-ASCII character ends every run", () => {
    expect(facts("12\u00e934").digits).toBe(2);
    expect(facts("DE\u00e989").iban).toBe(false);
  });
});
