/**
 * Bounds-checked cursor over the input module. Every read throws an
 * InstrumentError carrying the offset, so a truncated or garbage module fails
 * with "unexpected end at 0x..." rather than an out-of-range `undefined` that
 * would quietly become a broken output.
 *
 * Most immediates are only skipped (the rewriter copies byte ranges verbatim),
 * so there are skip variants that validate LEB128 shape without decoding.
 */
import { InstrumentError } from "./errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  readonly bytes: Uint8Array;
  pos: number;
  /** Exclusive end of the region this reader may consume (a section or body). */
  end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string, at = this.pos): never {
    throw new InstrumentError(message, at);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end of data");
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) this.fail("unexpected end of data");
    return this.bytes[this.pos]!;
  }

  /** Unsigned LEB128, at most 5 bytes, value < 2^32. */
  u32(): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      if (shift === 28) {
        if (b & 0xf0) this.fail("malformed u32 LEB128 (too long or too large)", start);
        return (result + b * 2 ** 28) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /**
   * Unsigned LEB128 up to 64 bits, returned as a number. Values above 2^53 come
   * back as Infinity: they only occur as memory64 limits/offsets, where "huge"
   * is all the caller needs to know.
   */
  u64(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return result > Number.MAX_SAFE_INTEGER ? Infinity : result;
    }
    this.fail("malformed u64 LEB128 (too long)", start);
  }

  /** Skip one LEB128 number of at most `maxBytes` bytes (5 for 32-bit, 10 for 64-bit). */
  skipLeb(maxBytes: number): void {
    const start = this.pos;
    for (let i = 0; i < maxBytes; i++) {
      if ((this.u8() & 0x80) === 0) return;
    }
    this.fail("malformed LEB128 (too long)", start);
  }

  /**
   * Signed 33-bit LEB (block types, heap types). Returns the value; negative
   * values are the single-byte type codes, non-negative ones are type indices.
   */
  s33(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= scale; // sign-extend
        return result;
      }
    }
    this.fail("malformed s33 LEB128 (too long)", start);
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`unexpected end of data (need ${n} bytes)`);
    this.pos += n;
  }

  /** A length-prefixed UTF-8 name (imports, exports, custom section ids). */
  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.skip(len);
    try {
      return utf8.decode(this.bytes.subarray(start, start + len));
    } catch {
      this.fail("name is not valid UTF-8", start);
    }
  }
}
