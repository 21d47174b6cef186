/**
 * Module rewriter that makes a plugin stoppable and bounded before it is
 * compiled: Bun can neither interrupt a wasm loop (worker.terminate and
 * Extism's timeoutMs do nothing there) nor cap a module's memory from the
 * outside, so the limits are written into the module itself.
 *
 *  - every defined memory gets a maximum (memory.grow past it returns -1);
 *  - a mutable i64 global (the fuel counter) is charged at every function
 *    entry and loop header; when it goes negative the module calls the
 *    imported `mcp-sidecar.refuel`, whose result becomes the new counter.
 *    The host stops a call by returning a negative number (the module then
 *    traps on `unreachable`, which the guest cannot catch) or by throwing
 *    (fine for guests without exception handlers, see catch_all_loop.wat).
 *
 * Single pass, hand-written: see README.md for why not binaryen.
 */
import { rewriteCode } from "./code.ts";
import { InstrumentError } from "./errors.ts";
import { planFuel, type FuelExport, type FuelNames } from "./fuel.ts";
import { parseSections, SECTION_RANK, SEC_CODE, SEC_CUSTOM, SEC_ELEMENT, SEC_EXPORT, SEC_FUNCTION, SEC_GLOBAL,
  SEC_IMPORT, SEC_MEMORY, SEC_START, SEC_TABLE, SEC_TYPE, type Section } from "./module.ts";
import { rewriteNameSection } from "./names.ts";
import { ByteReader } from "./reader.ts";
import { copyFuncIdx } from "./remap.ts";
import { rewriteElements, rewriteExports, rewriteGlobals, rewriteMemories, rewriteTables,
  scanImports, type ImportScan } from "./sections.ts";
import { ByteWriter } from "./writer.ts";

export { InstrumentError } from "./errors.ts";
export type { FuelExport, FuelNames } from "./fuel.ts";

export interface InstrumentOptions {
  /** Cap for every defined memory, in 64 KiB pages. */
  maxMemoryPages: number;
  /** Import and export names; default {module:"mcp-sidecar", name:"refuel", exportName:"__mcp_fuel"}. */
  fuel?: FuelNames;
  /**
   * How the host reaches the counter. "global" (default): the mutable global is exported as
   * `exportName`. "functions": it stays private and `${exportName}_get` / `${exportName}_set`
   * are exported; measurably cheaper in Bun for loop-heavy code (README.md).
   */
  fuelExport?: FuelExport;
  /** Largest cost one checkpoint charges (and how far it looks ahead). Default 256. */
  maxStraightLineCost?: number;
  /** Counter value at instantiation (a start function runs before the host can set it). Default 0. */
  initialFuel?: number;
  /** Optional cap on every defined table's size (elements). Default: tables untouched. */
  maxTableElements?: number;
}

export interface InstrumentResult {
  /** The instrumented module (a fresh buffer, never a view of the input). */
  bytes: Uint8Array<ArrayBuffer>;
  stats: {
    functions: number;
    checkpoints: number;
    memories: { initial: number; max: number }[];
    importedMemory: boolean;
    rewriteMs: number;
  };
}

export const DEFAULT_FUEL_NAMES: Readonly<FuelNames> = Object.freeze({
  module: "mcp-sidecar",
  name: "refuel",
  exportName: "__mcp_fuel",
});

export const DEFAULT_MAX_STRAIGHT_LINE_COST = 256;

/** Custom sections keyed by code offsets (branch hints), which inserted code would make wrong. */
const OFFSET_KEYED_CUSTOM = "metadata.code.";

function checkOptions(o: InstrumentOptions): void {
  const intIn = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (!intIn(o.maxMemoryPages, 0, 2 ** 48)) {
    throw new InstrumentError(`maxMemoryPages must be a non-negative integer, got ${o.maxMemoryPages}`);
  }
  const cap = o.maxStraightLineCost ?? DEFAULT_MAX_STRAIGHT_LINE_COST;
  if (!intIn(cap, 1, 1_000_000)) throw new InstrumentError(`maxStraightLineCost must be 1..1000000, got ${cap}`);
  if (o.initialFuel !== undefined && !Number.isSafeInteger(o.initialFuel)) {
    throw new InstrumentError(`initialFuel must be a safe integer, got ${o.initialFuel}`);
  }
  if (o.maxTableElements !== undefined && !intIn(o.maxTableElements, 0, 2 ** 32 - 1)) {
    throw new InstrumentError(`maxTableElements must be a non-negative integer, got ${o.maxTableElements}`);
  }
  if (o.fuelExport !== undefined && o.fuelExport !== "global" && o.fuelExport !== "functions") {
    throw new InstrumentError(`fuelExport must be "global" or "functions", got ${String(o.fuelExport)}`);
  }
}

export function instrumentModule(input: Uint8Array, options: InstrumentOptions): InstrumentResult {
  const t0 = performance.now();
  checkOptions(options);
  const names = options.fuel ?? DEFAULT_FUEL_NAMES;
  const bytes = input;
  const sections = parseSections(bytes);
  const find = (id: number): Section | undefined => sections.find((s) => s.id === id);
  const reader = (s: Section) => new ByteReader(bytes, s.start, s.end);
  const countOf = (s: Section | undefined) => (s ? reader(s).u32() : 0);

  // Pass 1: the counts that fix every index of the output.
  const numTypes = countOf(find(SEC_TYPE));
  const importSec = find(SEC_IMPORT);
  const imports: ImportScan = importSec
    ? scanImports(reader(importSec), names.module, names.name, numTypes)
    : { count: 0, funcs: 0, globals: 0, memories: 0, contentStart: 0 };
  const numDefinedFuncs = countOf(find(SEC_FUNCTION));
  const numGlobals = imports.globals + countOf(find(SEC_GLOBAL));
  const numFuncs = imports.funcs + numDefinedFuncs;
  if (numDefinedFuncs > 0 && !find(SEC_CODE)) throw new InstrumentError("module declares functions but has no code");
  const plan = planFuel({ types: numTypes, funcImports: imports.funcs, funcs: numFuncs, globals: numGlobals },
    names, options.fuelExport ?? "global");
  const ctx = {
    numFuncs, numGlobals, numTypes, numFuncImports: imports.funcs, fuelGlobal: plan.fuelGlobal,
    maxRun: options.maxStraightLineCost ?? DEFAULT_MAX_STRAIGHT_LINE_COST,
  };

  // Pass 2: write. Sections the additions need but the module lacks are slotted in by rank.
  const w = new ByteWriter(bytes.length + (bytes.length >> 2) + 256);
  w.copy(bytes, 0, 8);
  const stats: InstrumentResult["stats"] = {
    functions: 0, checkpoints: 0, memories: [], importedMemory: imports.memories > 0, rewriteMs: 0,
  };
  const section = (id: number, body: () => void) => {
    w.u8(id);
    const mark = w.beginSized();
    body();
    w.endSized(mark);
  };
  /** Copy a vector section, appending `count` entries written by `append`. */
  const extendVector = (id: number, s: Section | undefined, count: number, append: () => void) =>
    section(id, () => {
      const r = s && reader(s);
      w.u32((r ? r.u32() : 0) + count);
      if (s && r) w.copy(bytes, r.pos, s.end);
      append();
    });
  const writers: Record<number, (s: Section | undefined) => void> = {
    [SEC_TYPE]: (s) => extendVector(SEC_TYPE, s, plan.newTypeCount, () => w.bytes(plan.newTypes)),
    [SEC_IMPORT]: (s) => section(SEC_IMPORT, () => {
      w.u32(imports.count + 1);
      if (s) w.copy(bytes, imports.contentStart, s.end);
      w.name(names.module);
      w.name(names.name);
      w.u8(0x00);
      w.u32(plan.refuelType);
    }),
    [SEC_FUNCTION]: (s) => extendVector(SEC_FUNCTION, s, plan.newFuncTypes.length, () => {
      for (const t of plan.newFuncTypes) w.u32(t);
    }),
    [SEC_GLOBAL]: (s) => section(SEC_GLOBAL, () => rewriteGlobals(s && reader(s), w, ctx, options.initialFuel ?? 0)),
    [SEC_EXPORT]: (s) => section(SEC_EXPORT, () => rewriteExports(s && reader(s), w, ctx, plan.newExports)),
    [SEC_CODE]: (s) => section(SEC_CODE, () => {
      if (!s) {
        w.u32(plan.newBodies.length);
        for (const b of plan.newBodies) w.bytes(b);
        return;
      }
      const cs = rewriteCode(bytes, s.start, s.end, ctx, numDefinedFuncs, plan.newBodies, w);
      stats.functions = cs.functions;
      stats.checkpoints = cs.checkpoints;
    }),
  };

  const mustAdd = new Set([SEC_TYPE, SEC_IMPORT, SEC_GLOBAL, SEC_EXPORT]);
  if (plan.newBodies.length > 0) mustAdd.add(SEC_FUNCTION).add(SEC_CODE);
  for (const s of sections) mustAdd.delete(s.id);
  const addMissingBefore = (rank: number) => {
    for (const id of mustAdd) {
      if (SECTION_RANK[id]! < rank) {
        writers[id]!(undefined);
        mustAdd.delete(id);
      }
    }
  };

  for (const s of sections) {
    if (s.id !== SEC_CUSTOM) addMissingBefore(SECTION_RANK[s.id]!);
    const write = writers[s.id];
    if (write) { write(s); continue; }
    switch (s.id) {
      case SEC_TABLE: section(s.id, () => rewriteTables(reader(s), w, ctx, options.maxTableElements)); break;
      case SEC_MEMORY:
        section(s.id, () => {
          stats.memories = rewriteMemories(reader(s), w, options.maxMemoryPages, imports.memories);
        });
        break;
      case SEC_START: section(s.id, () => {
        const r = reader(s);
        copyFuncIdx(r, w, ctx);
        if (!r.atEnd) r.fail("trailing bytes in the start section");
      }); break;
      case SEC_ELEMENT: section(s.id, () => rewriteElements(reader(s), w, ctx)); break;
      case SEC_CUSTOM: writeCustom(s); break;
      default: w.copy(bytes, s.headerStart, s.end); // tag, data count, data: no function indices
    }
  }
  addMissingBefore(Infinity);

  function writeCustom(s: Section): void {
    const r = reader(s);
    const name = r.name();
    if (name.startsWith(OFFSET_KEYED_CUSTOM)) return; // offsets into code we changed: drop
    if (name !== "name") { w.copy(bytes, s.headerStart, s.end); return; }
    const rollback = w.pos;
    w.u8(SEC_CUSTOM);
    const mark = w.beginSized();
    w.name("name");
    if (rewriteNameSection(bytes, r.pos, s.end, ctx, `${names.module}.${names.name}`, w)) w.endSized(mark);
    else w.pos = rollback; // malformed debug names: drop them, as an engine would ignore them
  }

  stats.rewriteMs = performance.now() - t0;
  return { bytes: w.finish(), stats };
}
