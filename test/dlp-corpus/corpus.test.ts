/**
 * Precision and recall of the DLP detectors over the labelled corpus in this folder (one .tsv per
 * detector plus hard negatives). Scored per line and detector: a line labelled `card` that the card
 * detector matches is a true positive; a detector matching a line not labelled with it is a false
 * positive. Also checks that redaction removes the matched text (no digits of a card survive `redact`).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dlpConfigSchema } from "../../src/pipeline/dlp/config.ts";
import { DETECTOR_NAMES, type DetectorName } from "../../src/pipeline/dlp/detectors.ts";
import { buildPlan, findMatches, Rewriter } from "../../src/pipeline/dlp/engine.ts";

interface Sample {
  file: string;
  line: number;
  labels: Set<string>;
  text: string;
}

function loadCorpus(): Sample[] {
  const samples: Sample[] = [];
  for (const file of readdirSync(import.meta.dir).filter((f) => f.endsWith(".tsv"))) {
    readFileSync(join(import.meta.dir, file), "utf8")
      .split("\n")
      .forEach((raw, i) => {
        if (!raw || raw.startsWith("#")) return;
        const tab = raw.indexOf("\t");
        if (tab < 0) throw new Error(`${file}:${i + 1}: no tab between labels and text`);
        const labels = raw.slice(0, tab) === "-" ? [] : raw.slice(0, tab).split(",");
        for (const l of labels) if (!(DETECTOR_NAMES as readonly string[]).includes(l)) throw new Error(`${file}:${i + 1}: unknown detector "${l}"`);
        samples.push({ file, line: i + 1, labels: new Set(labels), text: raw.slice(tab + 1).replaceAll("\\n", "\n") });
      });
  }
  return samples;
}

const plan = buildPlan(dlpConfigSchema.parse({})).LOW;
const corpus = loadCorpus();

describe("DLP corpus", () => {
  test("has a few hundred labelled lines with positives for every detector", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    for (const name of DETECTOR_NAMES) expect(corpus.filter((s) => s.labels.has(name)).length).toBeGreaterThanOrEqual(10);
  });

  test("precision >= 95% and recall >= 99%, per detector and overall", () => {
    const score = Object.fromEntries(DETECTOR_NAMES.map((n) => [n, { tp: 0, fp: 0, fn: 0 }])) as Record<DetectorName, { tp: number; fp: number; fn: number }>;
    const mistakes: string[] = [];
    for (const s of corpus) {
      const found = new Set(findMatches(s.text, plan.detectors).map((m) => m.detector));
      for (const name of DETECTOR_NAMES) {
        const want = s.labels.has(name);
        const got = found.has(name);
        if (want && got) score[name].tp++;
        else if (got) (score[name].fp++, mistakes.push(`FP ${name} ${s.file}:${s.line} ${JSON.stringify(s.text.slice(0, 90))}`));
        else if (want) (score[name].fn++, mistakes.push(`FN ${name} ${s.file}:${s.line} ${JSON.stringify(s.text.slice(0, 90))}`));
      }
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const rows = DETECTOR_NAMES.map((n) => {
      const { tp, fp, fn } = score[n];
      return { detector: n, tp, fp, fn, precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1) };
    });
    const total = rows.reduce((a, r) => ({ tp: a.tp + r.tp, fp: a.fp + r.fp, fn: a.fn + r.fn }), { tp: 0, fp: 0, fn: 0 });
    const overall = { precision: total.tp / (total.tp + total.fp), recall: total.tp / (total.tp + total.fn) };
    console.log(
      [
        `DLP corpus: ${corpus.length} lines`,
        "detector      TP  FP  FN  precision  recall",
        ...rows.map((r) => `${r.detector.padEnd(12)} ${String(r.tp).padStart(3)} ${String(r.fp).padStart(3)} ${String(r.fn).padStart(3)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(6)}`),
        `${"overall".padEnd(12)} ${String(total.tp).padStart(3)} ${String(total.fp).padStart(3)} ${String(total.fn).padStart(3)}  ${pct(overall.precision).padStart(9)}  ${pct(overall.recall).padStart(6)}`,
        ...mistakes,
      ].join("\n"),
    );
    for (const r of rows) {
      expect({ detector: r.detector, precision: r.precision >= 0.95 }).toEqual({ detector: r.detector, precision: true });
      expect({ detector: r.detector, recall: r.recall >= 0.99 }).toEqual({ detector: r.detector, recall: true });
    }
    expect(overall.precision).toBeGreaterThanOrEqual(0.95);
    expect(overall.recall).toBeGreaterThanOrEqual(0.99);
  });

  test("redaction leaves none of a matched value behind", () => {
    const rewriter = new Rewriter(undefined);
    for (const s of corpus) {
      const matches = findMatches(s.text, plan.detectors);
      const out = rewriter.apply(s.text, matches, () => "redact");
      for (const m of matches) {
        const value = s.text.slice(m.start, m.end);
        if (value.length >= 8) expect({ where: `${s.file}:${s.line}`, leaked: out.includes(value) }).toEqual({ where: `${s.file}:${s.line}`, leaked: false });
      }
    }
  });
});
