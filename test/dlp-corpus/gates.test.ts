/**
 * The DLP detectors' `needs` gates (shared text facts) only save time: over every corpus line, and over
 * variants that stress the facts (upper case, whitespace runs, neighbours that end a number), a detector
 * whose regex finds something must never have been gated off.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DETECTORS, type Match } from "../../src/pipeline/dlp/detectors.ts";
import { factsOf } from "../../src/pipeline/text-facts/index.ts";

const lines = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".tsv"))
  .flatMap((f) => readFileSync(join(import.meta.dir, f), "utf8").split("\n"))
  .filter((l) => l && !l.startsWith("#") && l.includes("\t"))
  .map((l) => l.slice(l.indexOf("\t") + 1).replaceAll("\\n", "\n"));

const variants = (text: string) => [text, text.toUpperCase(), text.toLowerCase(), text.replaceAll(" ", "  \t"), `x${text}x`, `é ${text} é`, text.replaceAll(" ", "\u00a0")];

describe("DLP gates never hide a match", () => {
  test("the corpus has lines for every detector", () => {
    expect(lines.length).toBeGreaterThan(400);
  });

  for (const [name, detectors] of Object.entries(DETECTORS)) {
    test(name, () => {
      let matched = 0;
      for (const line of lines) {
        for (const text of variants(line)) {
          for (const d of detectors) {
            const out: Match[] = [];
            d.scan(text, out);
            if (out.length === 0) continue;
            matched++;
            const open = d.needs ? d.needs(factsOf(text)) : true;
            if (!open) throw new Error(`${name} gated off a text it matches: ${JSON.stringify(text)}`);
          }
        }
      }
      expect(matched).toBeGreaterThan(10);
    });
  }
});
