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
