/**
 * Decoder for one instruction: classifies it for the fuel pass and locates the
 * function-index immediate that must be shifted. Everything else is skipped,
 * not decoded, because the rewriter copies the original bytes.
 *
 * Index checks: the rewrite appends a global (the fuel counter), a function
 * import and a type. An invalid input that names "one past the last global"
 * would become a valid module that reads or writes the fuel counter, so every
 * global/function/type index is checked against the ORIGINAL counts here.
 */
import type { ByteReader } from "./reader.ts";
import { atomicImm, IMM_BYTES16, IMM_LANE, IMM_MEMARG, IMM_MEMARG_LANE, IMM_NONE, IMM_U32, IMM_U32_U32,
  IMM_ZERO_BYTE, MISC_IMM, SIMD_IMM } from "./opcodes.ts";

/** Straight-line instruction: the cost run continues past it. */
export const K_PLAIN = 0;
/** Conditional branch (br_if): the run continues on the fall-through path. */
export const K_BR_IF = 1;
/** Opens a plain block: depth + 1; control falls straight in, so the run continues. */
export const K_BLOCK = 2;
/** Leaves the straight line (br, br_table, return, throw, else, catch, unreachable): ends a run. */
export const K_STOP = 3;
/** Opens a conditional or handler block (if, try, try_table): ends a run, depth + 1. */
export const K_OPEN = 4;
/** Opens a loop: ends a run, depth + 1, and a fuel checkpoint goes right after it. */
export const K_LOOP = 5;
/** Closes a block (end, delegate): depth - 1; ends a run only if it closes the run's own region. */
export const K_END = 6;

export interface IndexLimits {
  /** Functions in the original module (imported + defined). */
  numFuncs: number;
  /** Globals in the original module (imported + defined). */
  numGlobals: number;
  /** Types in the original type section. */
  numTypes: number;
}

/** Reused output slot of decodeInstr (no allocation per instruction). */
export class Instr {
  kind = K_PLAIN;
  /** Byte range and value of a function-index immediate; funcAt = -1 when there is none. */
  funcAt = -1;
  funcEnd = -1;
  funcIdx = 0;
}

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x71, 0x72,
  0x73, 0x74]);

/** Skip a value type; (ref null? ht) carries a heap type. */
export function skipValType(r: ByteReader): void {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x63 || b === 0x64) {
    r.s33();
    return;
  }
  if (!VALTYPES.has(b)) r.fail(`unknown value type 0x${b.toString(16)}`, at);
}

function skipBlockType(r: ByteReader, lim: IndexLimits): void {
  const b = r.peek();
  if (b === 0x40) {
    r.pos++;
  } else if (b >= 0x40 && b < 0x80) {
    skipValType(r); // single value type result
  } else {
    const at = r.pos;
    const idx = r.s33();
    if (idx < 0 || idx >= lim.numTypes) r.fail(`block type index ${idx} out of range`, at);
  }
}

function skipMemarg(r: ByteReader): void {
  const flags = r.u32();
  if (flags & 0x40) r.u32(); // multi-memory: explicit memory index
  r.skipLeb(10); // offset (u64 under memory64)
}

function typeIndex(r: ByteReader, lim: IndexLimits): void {
  const at = r.pos;
  const idx = r.u32();
  if (idx >= lim.numTypes) r.fail(`type index ${idx} out of range`, at);
}

function funcIndex(r: ByteReader, lim: IndexLimits, out: Instr): void {
  out.funcAt = r.pos;
  out.funcIdx = r.u32();
  out.funcEnd = r.pos;
  if (out.funcIdx >= lim.numFuncs) r.fail(`function index ${out.funcIdx} out of range`, out.funcAt);
}

function skipImm(r: ByteReader, imm: number): void {
  switch (imm) {
    case IMM_NONE: return;
    case IMM_MEMARG: skipMemarg(r); return;
    case IMM_MEMARG_LANE: skipMemarg(r); r.skip(1); return;
    case IMM_LANE: r.skip(1); return;
    case IMM_BYTES16: r.skip(16); return;
    case IMM_U32: r.u32(); return;
    case IMM_U32_U32: r.u32(); r.u32(); return;
    case IMM_ZERO_BYTE: r.skip(1); return;
  }
}

function prefixed(r: ByteReader, prefix: number, at: number): void {
  const sub = r.u32();
  let imm = -1;
  if (prefix === 0xfc) imm = sub < MISC_IMM.length ? MISC_IMM[sub]! : -1;
  else if (prefix === 0xfd) imm = sub < SIMD_IMM.length ? SIMD_IMM[sub]! : -1;
  else imm = atomicImm(sub);
  if (imm < 0) r.fail(`unknown opcode 0x${prefix.toString(16)} ${sub}`, at);
  skipImm(r, imm);
}

/**
 * Decode the instruction at r.pos, advance past it, and fill `out`.
 * Throws InstrumentError (with the offset) on anything it does not know.
 */
export function decodeInstr(r: ByteReader, lim: IndexLimits, out: Instr): void {
  const at = r.pos;
  const op = r.u8();
  out.kind = K_PLAIN;
  out.funcAt = -1;
  if (op >= 0x45 && op <= 0xc4) return; // numeric and sign-extension ops: no immediates
  switch (op) {
    case 0x01: case 0x1a: case 0x1b: case 0xd1: case 0xd3: case 0xd4: return; // nop drop select ref.is_null ref.eq ref.as_non_null
    case 0x00: case 0x0f: case 0x0a: case 0x19: out.kind = K_STOP; return; // unreachable return throw_ref catch_all
    case 0x05: out.kind = K_STOP; return; // else
    case 0x02: skipBlockType(r, lim); out.kind = K_BLOCK; return;
    case 0x04: case 0x06: skipBlockType(r, lim); out.kind = K_OPEN; return; // if try
    case 0x03: skipBlockType(r, lim); out.kind = K_LOOP; return;
    case 0x0b: out.kind = K_END; return;
    case 0x18: r.u32(); out.kind = K_END; return; // delegate closes its try
    case 0x07: case 0x08: case 0x09: r.u32(); out.kind = K_STOP; return; // catch throw rethrow
    case 0x0d: r.u32(); out.kind = K_BR_IF; return;
    case 0x0c: case 0xd5: case 0xd6: r.u32(); out.kind = K_STOP; return; // br br_on_null br_on_non_null
    case 0x0e: { // br_table
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      out.kind = K_STOP;
      return;
    }
    case 0x10: case 0xd2: funcIndex(r, lim, out); return; // call ref.func
    case 0x12: funcIndex(r, lim, out); out.kind = K_STOP; return; // return_call
    case 0x11: typeIndex(r, lim); r.u32(); return; // call_indirect
    case 0x13: typeIndex(r, lim); r.u32(); out.kind = K_STOP; return; // return_call_indirect
    case 0x14: typeIndex(r, lim); return; // call_ref
    case 0x15: typeIndex(r, lim); out.kind = K_STOP; return; // return_call_ref
    case 0x1c: { // select t*
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
      return;
    }
    case 0x1f: { // try_table bt vec(catch)
      skipBlockType(r, lim);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        if (kind === 0x00 || kind === 0x01) r.u32(); // tag index
        else if (kind !== 0x02 && kind !== 0x03) r.fail(`unknown try_table catch kind ${kind}`, r.pos - 1);
        r.u32(); // label
      }
      out.kind = K_OPEN;
      return;
    }
    case 0x20: case 0x21: case 0x22: case 0x25: case 0x26: case 0x3f: case 0x40: r.u32(); return;
    case 0x23: case 0x24: {
      const gAt = r.pos;
      const g = r.u32();
      if (g >= lim.numGlobals) r.fail(`global index ${g} out of range`, gAt);
      return;
    }
    case 0x41: r.skipLeb(5); return;
    case 0x42: r.skipLeb(10); return;
    case 0x43: r.skip(4); return;
    case 0x44: r.skip(8); return;
    case 0xd0: r.s33(); return; // ref.null heaptype
    case 0xfc: case 0xfd: case 0xfe: prefixed(r, op, at); return;
    case 0xfb: r.fail("GC instructions (0xfb prefix) are not supported", at);
  }
  if (op >= 0x28 && op <= 0x3e) { skipMemarg(r); return; } // loads and stores
  r.fail(`unknown opcode 0x${op.toString(16)}`, at);
}
