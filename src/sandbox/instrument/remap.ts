/**
 * Function index remapping.
 *
 * The refuel import is appended after the module's existing function imports,
 * so it takes index `numFuncImports` and every DEFINED function moves up by
 * one; imported functions keep their index. Every place that names a function
 * (call, return_call, ref.func, element segments, exports, start, init
 * expressions, the name section) goes through `shiftFunc`.
 */
import { decodeInstr, Instr, K_BLOCK, K_END, K_LOOP, K_OPEN, type IndexLimits } from "./instr.ts";
import type { ByteReader } from "./reader.ts";
import type { ByteWriter } from "./writer.ts";

export interface RemapContext extends IndexLimits {
  /** Function imports in the original module; also the index of the new refuel import. */
  numFuncImports: number;
}

export function shiftFunc(idx: number, ctx: RemapContext): number {
  return idx < ctx.numFuncImports ? idx : idx + 1;
}

/** Read a function index from r, check it, write the shifted index to w. */
export function copyFuncIdx(r: ByteReader, w: ByteWriter, ctx: RemapContext): void {
  const at = r.pos;
  const idx = r.u32();
  if (idx >= ctx.numFuncs) r.fail(`function index ${idx} out of range`, at);
  w.u32(shiftFunc(idx, ctx));
}

const scratch = new Instr();

/**
 * Copy a constant expression (global/elem/table initialiser, segment offset)
 * up to and including its final `end`, shifting ref.func indices.
 */
export function copyConstExpr(r: ByteReader, w: ByteWriter, ctx: RemapContext): void {
  let from = r.pos;
  let depth = 0;
  for (;;) {
    decodeInstr(r, ctx, scratch);
    if (scratch.funcAt >= 0) {
      w.copy(r.bytes, from, scratch.funcAt);
      w.u32(shiftFunc(scratch.funcIdx, ctx));
      from = scratch.funcEnd;
    }
    if (scratch.kind === K_BLOCK || scratch.kind === K_OPEN || scratch.kind === K_LOOP) depth++;
    else if (scratch.kind === K_END && depth-- === 0) break;
  }
  w.copy(r.bytes, from, r.pos);
}
