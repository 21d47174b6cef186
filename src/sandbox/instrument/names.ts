/**
 * The "name" custom section maps function indices to debug names. After the
 * shift those indices would point one function off, and stack traces of a
 * trapped plugin would blame the wrong function, so the function-keyed
 * subsections are rewritten (and the refuel import gets a name of its own).
 *
 * The spec lets engines ignore a malformed name section, so one we cannot
 * parse is dropped (returns false) instead of failing the plugin.
 */
import { InstrumentError } from "./errors.ts";
import { ByteReader } from "./reader.ts";
import { shiftFunc, type RemapContext } from "./remap.ts";
import type { ByteWriter } from "./writer.ts";

const FUNCTION_NAMES = 1;
const LOCAL_NAMES = 2; // indirect map keyed by function index
const LABEL_NAMES = 3; // indirect map keyed by function index

/** Copy one (index, name) pair's name verbatim. */
function copyName(r: ByteReader, w: ByteWriter): void {
  const len = r.u32();
  const start = r.pos;
  r.skip(len);
  w.u32(len);
  w.copy(r.bytes, start, r.pos);
}

function copyNameMap(r: ByteReader, w: ByteWriter): void {
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    w.u32(r.u32());
    copyName(r, w);
  }
}

function rewriteFunctionNames(r: ByteReader, w: ByteWriter, ctx: RemapContext, refuelName: string): void {
  const n = r.u32();
  w.u32(n + 1);
  let inserted = false;
  for (let i = 0; i < n; i++) {
    const idx = r.u32();
    if (!inserted && idx >= ctx.numFuncImports) {
      w.u32(ctx.numFuncImports);
      w.name(refuelName);
      inserted = true;
    }
    w.u32(shiftFunc(idx, ctx));
    copyName(r, w);
  }
  if (!inserted) {
    w.u32(ctx.numFuncImports);
    w.name(refuelName);
  }
}

function rewriteIndirect(r: ByteReader, w: ByteWriter, ctx: RemapContext): void {
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    w.u32(shiftFunc(r.u32(), ctx));
    copyNameMap(r, w);
  }
}

/**
 * Write the rewritten content of a name section (after its "name" id) into w.
 * Returns false, leaving w untouched past `w.pos` at entry, if it is malformed.
 */
export function rewriteNameSection(bytes: Uint8Array, start: number, end: number, ctx: RemapContext,
  refuelName: string, w: ByteWriter): boolean {
  const rollback = w.pos;
  try {
    const r = new ByteReader(bytes, start, end);
    while (!r.atEnd) {
      const id = r.u8();
      const size = r.u32();
      const subEnd = r.pos + size;
      if (subEnd > end) r.fail("name subsection runs past its section");
      const sub = new ByteReader(bytes, r.pos, subEnd);
      w.u8(id);
      const mark = w.beginSized();
      if (id === FUNCTION_NAMES) rewriteFunctionNames(sub, w, ctx, refuelName);
      else if (id === LOCAL_NAMES || id === LABEL_NAMES) rewriteIndirect(sub, w, ctx);
      else {
        w.copy(bytes, r.pos, subEnd);
        sub.pos = subEnd;
      }
      if (!sub.atEnd) sub.fail("trailing bytes in name subsection");
      w.endSized(mark);
      r.pos = subEnd;
    }
    return true;
  } catch (e) {
    if (!(e instanceof InstrumentError)) throw e;
    w.pos = rollback;
    return false;
  }
}
