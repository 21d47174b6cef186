/**
 * Code section rewrite: fuel checkpoints and function-index shifts.
 *
 * A checkpoint goes at every function entry and right after every `loop`
 * opcode (inside the loop, so each iteration - including the first - passes
 * it). Every unbounded execution needs a loop or a call, so every unbounded
 * execution keeps paying. The charge is the number of instructions in the
 * straight-line run that follows (see runCost), so fuel grows with work done,
 * not only with iterations. Code past an `if`, a nested loop or a branch is
 * not charged: few, cheap checkpoints in exchange for under-counting, never
 * for missing a loop.
 *
 * Checkpoint (stack-neutral, so it is valid anywhere, even in a loop with params):
 *   global.get $fuel  i64.const COST  i64.sub  global.set $fuel
 *   global.get $fuel  i64.const 0  i64.lt_s
 *   if
 *     call $refuel  global.set $fuel          ;; host: throw, or return a new allotment
 *     global.get $fuel  i64.const 0  i64.lt_s
 *     if unreachable end                      ;; negative allotment = stop with a trap
 *   end
 * The inner trap exists because a guest using exception handling can catch a
 * host's JS exception with catch_all and keep spinning; a wasm trap cannot be
 * caught by the guest.
 */
import { decodeInstr, Instr, K_BLOCK, K_BR_IF, K_END, K_LOOP, K_OPEN, K_PLAIN, skipValType } from "./instr.ts";
import { ByteReader } from "./reader.ts";
import { shiftFunc, type RemapContext } from "./remap.ts";
import { encodeU32, ByteWriter } from "./writer.ts";

export interface CodeContext extends RemapContext {
  fuelGlobal: number;
  /** Cap on the cost charged by one checkpoint (and on the look-ahead scan). */
  maxRun: number;
}

export interface CodeStats {
  functions: number;
  checkpoints: number;
}

interface Template {
  head: Uint8Array; // up to and including the i64.const opcode
  tail: Uint8Array; // after the cost immediate
}

function checkpointTemplate(ctx: CodeContext): Template {
  const g = Array.from(encodeU32(ctx.fuelGlobal));
  const f = Array.from(encodeU32(ctx.numFuncImports)); // the refuel import's index
  return {
    head: Uint8Array.from([0x23, ...g, 0x42]),
    tail: Uint8Array.from([
      0x7d, 0x24, ...g, // i64.sub global.set
      0x23, ...g, 0x42, 0x00, 0x53, 0x04, 0x40, // global.get i64.const 0 i64.lt_s if
      0x10, ...f, 0x24, ...g, // call $refuel global.set
      0x23, ...g, 0x42, 0x00, 0x53, 0x04, 0x40, 0x00, 0x0b, // global.get i64.const 0 i64.lt_s if unreachable end
      0x0b, // end
    ]),
  };
}

const look = new Instr();

/**
 * Cost of the run starting at `pos`: instructions executed on the straight
 * path (falling through br_if, into and out of plain blocks) up to and
 * including the first one that leaves it (br, return, if, a nested loop, the
 * end of the region itself...). At least 1, at most ctx.maxRun.
 */
function runCost(bytes: Uint8Array, pos: number, end: number, ctx: CodeContext): number {
  const r = new ByteReader(bytes, pos, end);
  let n = 0;
  let depth = 0; // blocks entered during the run
  while (n < ctx.maxRun && !r.atEnd) {
    decodeInstr(r, ctx, look);
    n++;
    const k = look.kind;
    if (k === K_PLAIN || k === K_BR_IF) continue;
    if (k === K_BLOCK) depth++;
    else if (k === K_END && depth > 0) depth--;
    else break;
  }
  return Math.max(1, n);
}

/** Skip the locals declarations of a body (vec of (count, valtype)). */
function skipLocals(r: ByteReader): void {
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    skipValType(r);
  }
}

/**
 * Rewrite the content of the code section (bytes[start, end)) into w, then
 * append `extraBodies`. `expectedBodies` comes from the function section; a
 * mismatch is an error.
 */
export function rewriteCode(bytes: Uint8Array, start: number, end: number, ctx: CodeContext,
  expectedBodies: number, extraBodies: readonly Uint8Array[], w: ByteWriter): CodeStats {
  const r = new ByteReader(bytes, start, end);
  const tpl = checkpointTemplate(ctx);
  const ins = new Instr();
  const count = r.u32();
  if (count !== expectedBodies) {
    r.fail(`code section has ${count} bodies but the function section declares ${expectedBodies}`, start);
  }
  w.u32(count + extraBodies.length);
  let checkpoints = 0;

  const emitCheckpoint = (at: number, bodyEnd: number): void => {
    w.bytes(tpl.head);
    w.s64(runCost(bytes, at, bodyEnd, ctx));
    w.bytes(tpl.tail);
    checkpoints++;
  };

  for (let fn = 0; fn < count; fn++) {
    const size = r.u32();
    const bodyStart = r.pos;
    const bodyEnd = bodyStart + size;
    if (bodyEnd > end) r.fail(`function body ${fn} runs past the end of the code section`, bodyStart);
    const mark = w.beginSized();
    const br = new ByteReader(bytes, bodyStart, bodyEnd);
    skipLocals(br);
    w.copy(bytes, bodyStart, br.pos);
    emitCheckpoint(br.pos, bodyEnd);

    let from = br.pos; // start of bytes not yet copied
    let depth = 0;
    for (;;) {
      if (br.atEnd) br.fail(`function body ${fn} ends without a final 'end'`);
      decodeInstr(br, ctx, ins);
      if (ins.funcAt >= 0) {
        w.copy(bytes, from, ins.funcAt);
        w.u32(shiftFunc(ins.funcIdx, ctx));
        from = ins.funcEnd;
      }
      if (ins.kind === K_LOOP) {
        depth++;
        w.copy(bytes, from, br.pos);
        from = br.pos;
        emitCheckpoint(br.pos, bodyEnd);
      } else if (ins.kind === K_OPEN || ins.kind === K_BLOCK) {
        depth++;
      } else if (ins.kind === K_END && depth-- === 0) {
        break;
      }
    }
    if (br.pos !== bodyEnd) br.fail(`function body ${fn} has bytes after its final 'end'`);
    w.copy(bytes, from, bodyEnd);
    w.endSized(mark);
    r.pos = bodyEnd;
  }
  if (!r.atEnd) r.fail("trailing bytes after the last function body");
  for (const body of extraBodies) w.bytes(body); // fuel accessors: already size-prefixed, not metered
  return { functions: count, checkpoints };
}
