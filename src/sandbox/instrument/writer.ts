/**
 * Growable output buffer. The rewriter mostly appends byte ranges copied from
 * the input, so `copy` is the hot method (one native memcpy per run of
 * untouched bytes).
 *
 * Sizes of sections and function bodies are only known after their content is
 * written: `beginSized` reserves a 5-byte slot, `endSized` writes the minimal
 * LEB128 and slides the content back over the unused slot bytes. That keeps the
 * output canonical at the cost of one memmove per sized region.
 */
export class ByteWriter {
  buf: Uint8Array<ArrayBuffer>;
  pos = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Append src[start, end). */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += n;
  }

  u32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (v !== 0);
  }

  /** Unsigned LEB128 for values up to 2^53 (memory64 limits). */
  u64(value: number): void {
    this.ensure(10);
    let v = value;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (v !== 0);
  }

  /** Signed LEB128 for safe integers (i32/i64 constants we emit). */
  s64(value: number): void {
    this.ensure(10);
    let v = value;
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = Math.floor(v / 128);
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.buf[this.pos++] = done ? b : b | 0x80;
      if (done) return;
    }
  }

  name(s: string): void {
    const enc = new TextEncoder().encode(s);
    this.u32(enc.length);
    this.bytes(enc);
  }

  /** Reserve a size slot; returns the mark to hand to endSized. */
  beginSized(): number {
    this.ensure(5);
    const mark = this.pos;
    this.pos += 5;
    return mark;
  }

  /** Write the byte length of everything since `mark`'s slot, minimally encoded. */
  endSized(mark: number): void {
    const contentStart = mark + 5;
    const size = this.pos - contentStart;
    const lebLen = size < 2 ** 7 ? 1 : size < 2 ** 14 ? 2 : size < 2 ** 21 ? 3 : size < 2 ** 28 ? 4 : 5;
    if (lebLen < 5) this.buf.copyWithin(mark + lebLen, contentStart, this.pos);
    let v = size;
    for (let i = 0; i < lebLen; i++) {
      let b = v & 0x7f;
      v >>>= 7;
      if (i < lebLen - 1) b |= 0x80;
      this.buf[mark + i] = b;
    }
    this.pos -= 5 - lebLen;
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}

/** LEB128 of one u32 as a standalone byte array (for precomputed templates). */
export function encodeU32(value: number): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter(8);
  w.u32(value);
  return w.finish();
}
