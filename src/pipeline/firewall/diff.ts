/**
 * A readable diff of two tool definitions (description + inputSchema) for the quarantine log and the
 * approval CLI: what a reviewer needs to decide whether a changed tool is still the tool they approved
 * (tool poisoning hides instructions in exactly these two places).
 */

export interface ToolDefinition {
  description: string;
  inputSchema: unknown;
}

const CONTEXT = 2;
/** Above this many line pairs the LCS table is not worth building: show the whole before and after. */
const MAX_CELLS = 1_000_000;

export function parseDefinition(canonical: string | null | undefined): ToolDefinition | undefined {
  if (!canonical) return undefined;
  try {
    return JSON.parse(canonical) as ToolDefinition;
  } catch {
    return undefined;
  }
}

/** Lines like "description:", "- old line", "+ new line", "  context"; empty when nothing differs. */
export function definitionDiff(before: ToolDefinition | undefined, after: ToolDefinition): string[] {
  const out: string[] = [];
  const oldDescription = before?.description ?? "";
  if (oldDescription !== after.description) {
    out.push("description:", ...lineDiff(oldDescription.split("\n"), after.description.split("\n")));
  }
  const oldSchema = before ? JSON.stringify(before.inputSchema, null, 2) : "";
  const newSchema = JSON.stringify(after.inputSchema, null, 2);
  if (oldSchema !== newSchema) out.push("inputSchema:", ...lineDiff(oldSchema ? oldSchema.split("\n") : [], newSchema.split("\n")));
  return out;
}

type Op = { kind: " " | "-" | "+"; line: string };

export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const ops = a.length * b.length > MAX_CELLS ? wholesale(a, b) : lcsOps(a, b);
  return withContext(ops);
}

function wholesale(a: readonly string[], b: readonly string[]): Op[] {
  return [...a.map((line) => ({ kind: "-" as const, line })), ...b.map((line) => ({ kind: "+" as const, line }))];
}

function lcsOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // table[i][j] = length of the LCS of a[i..] and b[j..]
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i]! });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push({ kind: "-", line: a[i++]! });
    else ops.push({ kind: "+", line: b[j++]! });
  }
  while (i < n) ops.push({ kind: "-", line: a[i++]! });
  while (j < m) ops.push({ kind: "+", line: b[j++]! });
  return ops;
}

/** Keeps changed lines and CONTEXT unchanged lines around them; "  …" marks what was left out. */
function withContext(ops: readonly Op[]): string[] {
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((op, k) => {
    if (op.kind === " ") return;
    for (let c = Math.max(0, k - CONTEXT); c <= Math.min(ops.length - 1, k + CONTEXT); c++) keep[c] = true;
  });
  const out: string[] = [];
  let skipped = false;
  ops.forEach((op, k) => {
    if (!keep[k]) {
      skipped = true;
      return;
    }
    if (skipped) out.push("  …");
    skipped = false;
    out.push(`${op.kind} ${op.line}`);
  });
  if (skipped) out.push("  …");
  return out;
}
