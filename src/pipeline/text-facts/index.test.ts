import { describe, expect, test } from "bun:test";
import { factsOf, gate } from "./index.ts";

describe("shared text facts", () => {
  test("gates registered by different screens are answered by one pass", () => {
    const injection = gate(["ignor", "from now"]);
    const dlp = gate(["token", "ignor"]);
    const facts = factsOf("Please IGNORE the token");
    expect(injection.open(facts)).toBe(true);
    expect(dlp.open(facts)).toBe(true);
    const clean = factsOf("an ordinary sentence");
    expect(injection.open(clean)).toBe(false);
    expect(dlp.open(clean)).toBe(false);
  });

  test("a gate registered after a scan is seen by the next one", () => {
    factsOf("late literal here");
    const late = gate(["late literal"]);
    expect(late.open(factsOf("a late  literal"))).toBe(true);
  });

  test("the same text twice gives the same facts; another text gets its own", () => {
    const g = gate(["needle"]);
    const text = `hay ${"x".repeat(100)} needle`;
    const first = factsOf(text);
    expect(g.open(first)).toBe(true);
    expect(g.open(factsOf(text))).toBe(true);
    expect(g.open(factsOf("only hay"))).toBe(false);
    expect(g.open(factsOf(text))).toBe(true);
  });
});
