// Prints the details the conformance CLI leaves out of its suite summary.
// Usage: node report.mjs <results-dir> [--counts-only]
// <results-dir> is what `conformance server -o <dir>` wrote: one
// server-<scenario>-<timestamp>/checks.json per scenario.
// Prints every FAILURE (error message + trimmed details) and every WARNING,
// then a last line "<passed> <failed> <warnings>" for run.sh to read.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, flag] = process.argv.slice(2);
const countsOnly = flag === '--counts-only';
let passed = 0;
let failed = 0;
let warnings = 0;
const lines = [];

const trim = (s, n = 1200) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more chars)` : s);

const entries = existsSync(dir) ? readdirSync(dir).sort() : [];
for (const entry of entries) {
  const file = join(dir, entry, 'checks.json');
  if (!existsSync(file)) continue;
  const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
  let checks;
  try {
    checks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    lines.push(`  [${scenario}] could not read ${file}: ${e.message}`);
    continue;
  }
  for (const c of checks) {
    if (c.status === 'SUCCESS') passed++;
    else if (c.status === 'FAILURE') {
      failed++;
      lines.push(`  FAIL [${scenario}] ${c.id}: ${c.description}`);
      if (c.errorMessage) lines.push(`       error: ${trim(String(c.errorMessage), 2000)}`);
      if (c.details !== undefined) lines.push(`       details: ${trim(JSON.stringify(c.details))}`);
    } else if (c.status === 'WARNING') {
      warnings++;
      lines.push(`  WARN [${scenario}] ${c.id}: ${c.description}`);
      if (c.errorMessage) lines.push(`       warning: ${trim(String(c.errorMessage), 600)}`);
    }
  }
}

if (!countsOnly) {
  if (lines.length) {
    console.log(`Non-passing checks (full JSON per scenario under ${dir}):`);
    for (const l of lines) console.log(l);
  } else {
    console.log(`No failing or warning checks (results under ${dir}).`);
  }
}
console.log(`${passed} ${failed} ${warnings}`);
