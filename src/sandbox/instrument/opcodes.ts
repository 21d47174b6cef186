/**
 * Immediate layouts of prefixed opcodes (0xFC misc, 0xFD SIMD, 0xFE atomics).
 *
 * The rewriter copies instructions verbatim, so for each opcode it only needs
 * to know how many bytes its immediates take. Anything not listed here is an
 * unknown opcode and fails loudly: skipping it by guess could desynchronise the
 * decoder and corrupt every instruction after it.
 */

/** Immediate shapes. */
export const IMM_NONE = 0;
export const IMM_MEMARG = 1; // align flags (+ memidx if bit 6) + offset
export const IMM_MEMARG_LANE = 2; // memarg + 1 lane byte
export const IMM_LANE = 3; // 1 lane byte
export const IMM_BYTES16 = 4; // v128.const, i8x16.shuffle
export const IMM_U32 = 5; // one index (data, elem, table, memory)
export const IMM_U32_U32 = 6; // two indices
export const IMM_ZERO_BYTE = 7; // atomic.fence reserved byte

/** 0xFC: saturating truncation, bulk memory, table ops (sub-opcodes 0..17). */
export const MISC_IMM: readonly number[] = [
  IMM_NONE, IMM_NONE, IMM_NONE, IMM_NONE, IMM_NONE, IMM_NONE, IMM_NONE, IMM_NONE, // 0-7 trunc_sat
  IMM_U32_U32, // 8 memory.init data mem
  IMM_U32, // 9 data.drop
  IMM_U32_U32, // 10 memory.copy mem mem
  IMM_U32, // 11 memory.fill mem
  IMM_U32_U32, // 12 table.init elem table
  IMM_U32, // 13 elem.drop
  IMM_U32_U32, // 14 table.copy table table
  IMM_U32, // 15 table.grow
  IMM_U32, // 16 table.size
  IMM_U32, // 17 table.fill
];

/** 0xFD: the final SIMD proposal plus relaxed SIMD (0x100-0x113). -1 = not an opcode. */
export const SIMD_IMM: Int8Array = (() => {
  const t = new Int8Array(0x114).fill(IMM_NONE);
  for (let op = 0x00; op <= 0x0b; op++) t[op] = IMM_MEMARG; // v128.load*, v128.store
  t[0x0c] = IMM_BYTES16; // v128.const
  t[0x0d] = IMM_BYTES16; // i8x16.shuffle
  for (let op = 0x15; op <= 0x22; op++) t[op] = IMM_LANE; // extract/replace_lane
  for (let op = 0x54; op <= 0x5b; op++) t[op] = IMM_MEMARG_LANE; // load/store*_lane
  t[0x5c] = IMM_MEMARG; // v128.load32_zero
  t[0x5d] = IMM_MEMARG; // v128.load64_zero
  // Holes in the SIMD opcode space (reserved, never assigned).
  for (const op of [
    0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4,
    0xe2, 0xee,
  ]) {
    t[op] = -1;
  }
  return t;
})();

/** 0xFE atomics (threads): everything takes a memarg except atomic.fence. */
export function atomicImm(sub: number): number {
  if (sub === 0x03) return IMM_ZERO_BYTE;
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) return IMM_MEMARG;
  return -1;
}
