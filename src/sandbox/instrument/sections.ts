/**
 * Rewrites of the non-code sections the instrumentation touches. Each
 * function reads a section's content from `r` and writes the new content to
 * `w`; byte ranges the rewrite has no reason to change are copied verbatim.
 */
import { InstrumentError } from "./errors.ts";
import { skipValType } from "./instr.ts";
import type { ByteReader } from "./reader.ts";
import { copyConstExpr, copyFuncIdx, type RemapContext } from "./remap.ts";
import type { ByteWriter } from "./writer.ts";

export interface ImportScan {
  count: number;
  funcs: number;
  globals: number;
  memories: number;
  /** End of the content, to append the new import after the existing ones. */
  contentStart: number;
}

interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
}

function readLimits(r: ByteReader, what: string): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags & ~0x0f) r.fail(`unknown ${what} limits flags 0x${flags.toString(16)}`, at);
  const is64 = (flags & 0x04) !== 0;
  const min = is64 ? r.u64() : r.u32();
  const max = flags & 0x01 ? (is64 ? r.u64() : r.u32()) : undefined;
  if (flags & 0x08) r.fail(`${what} uses custom page sizes, which the memory cap does not support`, at);
  return { flags, min, max };
}

/** Walk the import section: count each kind, refuse a module that already imports our refuel name. */
export function scanImports(r: ByteReader, fuelModule: string, fuelName: string, numTypes: number): ImportScan {
  const count = r.u32();
  const scan: ImportScan = { count, funcs: 0, globals: 0, memories: 0, contentStart: r.pos };
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const module = r.name();
    const name = r.name();
    if (module === fuelModule && name === fuelName) {
      r.fail(`module already imports "${module}" "${name}", the name reserved for fuel metering`, at);
    }
    const kind = r.u8();
    switch (kind) {
      case 0x00: {
        const t = r.u32();
        if (t >= numTypes) r.fail(`import ${i} names type ${t}, out of range`, at);
        scan.funcs++;
        break;
      }
      case 0x01: skipValType(r); readLimits(r, "table"); break;
      case 0x02: readLimits(r, "memory"); scan.memories++; break;
      case 0x03: skipValType(r); r.u8(); scan.globals++; break;
      case 0x04: r.u8(); r.u32(); break; // tag: attribute, type
      default: r.fail(`unknown import kind 0x${kind.toString(16)}`, r.pos - 1);
    }
  }
  if (!r.atEnd) r.fail("trailing bytes in the import section");
  return scan;
}

function writeLimits(w: ByteWriter, flags: number, min: number, max: number): void {
  w.u8(flags | 0x01);
  const is64 = (flags & 0x04) !== 0;
  if (is64) { w.u64(min); w.u64(max); } else { w.u32(min); w.u32(max); }
}

/**
 * Put a maximum on every defined memory: the smaller of its own maximum and
 * the limit. A memory that starts above the limit cannot be capped without
 * breaking the module, so that is an error naming both numbers.
 */
export function rewriteMemories(r: ByteReader, w: ByteWriter, limitPages: number, firstIndex: number):
  { initial: number; max: number }[] {
  const count = r.u32();
  w.u32(count);
  const out: { initial: number; max: number }[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const { flags, min, max } = readLimits(r, "memory");
    const cap = flags & 0x04 ? limitPages : Math.min(limitPages, 65536);
    if (min > cap) {
      throw new InstrumentError(`memory ${firstIndex + i} starts at ${min} pages (${min * 64} KiB), ` +
        `over the plugin's memory limit of ${limitPages} pages (${limitPages * 64} KiB)`, at);
    }
    const newMax = max === undefined ? cap : Math.min(max, cap);
    writeLimits(w, flags, min, newMax);
    out.push({ initial: min, max: newMax });
  }
  if (!r.atEnd) r.fail("trailing bytes in the memory section");
  return out;
}

/** Tables: shift ref.func in (table ... init-expr) forms; optionally cap their size. */
export function rewriteTables(r: ByteReader, w: ByteWriter, ctx: RemapContext, maxElements: number | undefined): void {
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const withInit = r.peek() === 0x40;
    if (withInit) {
      r.pos++;
      if (r.u8() !== 0x00) r.fail("malformed table with initialiser", r.pos - 1);
      w.u8(0x40);
      w.u8(0x00);
    }
    const typeAt = r.pos;
    skipValType(r);
    w.copy(r.bytes, typeAt, r.pos);
    const limAt = r.pos;
    const { flags, min, max } = readLimits(r, "table");
    if (maxElements === undefined) {
      w.copy(r.bytes, limAt, r.pos);
    } else {
      if (min > maxElements) {
        throw new InstrumentError(`table ${i} starts with ${min} elements, over the limit of ${maxElements}`, limAt);
      }
      writeLimits(w, flags, min, max === undefined ? maxElements : Math.min(max, maxElements));
    }
    if (withInit) copyConstExpr(r, w, ctx);
  }
  if (!r.atEnd) r.fail("trailing bytes in the table section");
}

/** Globals: shift ref.func in initialisers, then append the fuel counter (mutable i64). */
export function rewriteGlobals(r: ByteReader | undefined, w: ByteWriter, ctx: RemapContext, initialFuel: number): void {
  const count = r ? r.u32() : 0;
  w.u32(count + 1);
  for (let i = 0; r && i < count; i++) {
    const at = r.pos;
    skipValType(r);
    r.u8(); // mutability
    w.copy(r.bytes, at, r.pos);
    copyConstExpr(r, w, ctx);
  }
  if (r && !r.atEnd) r.fail("trailing bytes in the global section");
  w.u8(0x7e); // i64
  w.u8(0x01); // mutable: the host sets it before each call
  w.u8(0x42);
  w.s64(initialFuel);
  w.u8(0x0b);
}

/** Exports: shift function exports, then append the fuel exports (names must be free). */
export function rewriteExports(r: ByteReader | undefined, w: ByteWriter, ctx: RemapContext,
  added: readonly { name: string; kind: number; index: number }[]): void {
  const count = r ? r.u32() : 0;
  const reserved = new Set(added.map((e) => e.name));
  w.u32(count + added.length);
  for (let i = 0; r && i < count; i++) {
    const at = r.pos;
    const name = r.name();
    if (reserved.has(name)) r.fail(`module already exports "${name}", a name reserved for fuel metering`, at);
    const kind = r.u8();
    w.copy(r.bytes, at, r.pos);
    if (kind === 0x00) copyFuncIdx(r, w, ctx);
    else if (kind <= 0x04) { const idxAt = r.pos; r.u32(); w.copy(r.bytes, idxAt, r.pos); }
    else r.fail(`unknown export kind 0x${kind.toString(16)}`, r.pos - 1);
  }
  if (r && !r.atEnd) r.fail("trailing bytes in the export section");
  for (const e of added) {
    w.name(e.name);
    w.u8(e.kind);
    w.u32(e.index);
  }
}

/** Element segments: shift function-index vectors and ref.func in expression forms. */
export function rewriteElements(r: ByteReader, w: ByteWriter, ctx: RemapContext): void {
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const flags = r.u32();
    if (flags > 7) r.fail(`unknown element segment flags ${flags}`, at);
    w.u32(flags);
    const active = (flags & 0x01) === 0;
    const explicitTable = (flags & 0x02) !== 0;
    const usesExprs = (flags & 0x04) !== 0;
    if (active && explicitTable) { const t = r.pos; r.u32(); w.copy(r.bytes, t, r.pos); }
    if (active) copyConstExpr(r, w, ctx);
    if (!active || explicitTable) {
      // elemkind (a byte, 0x00 = funcref) for index vectors, a reftype for expression vectors
      const k = r.pos;
      if (usesExprs) skipValType(r);
      else if (r.u8() !== 0x00) r.fail("unknown element kind", k);
      w.copy(r.bytes, k, r.pos);
    }
    const n = r.u32();
    w.u32(n);
    for (let j = 0; j < n; j++) {
      if (usesExprs) copyConstExpr(r, w, ctx);
      else copyFuncIdx(r, w, ctx);
    }
  }
  if (!r.atEnd) r.fail("trailing bytes in the element section");
}
