// Writes JSON straight to UTF-8 bytes in one growing buffer. Building the text as AssemblyScript strings
// (UTF-16, a new string per concatenation, then a UTF-8 encoding pass) cost most of a 4 KB echo call.

/** Bytes appended to a buffer that doubles as needed. */
export class ByteWriter {
  buf: ArrayBuffer;
  len: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.buf = new ArrayBuffer(capacity);
  }

  /** Address of the written bytes (valid until the next write). */
  get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  private reserve(extra: i32): usize {
    const need = this.len + extra;
    if (need > this.buf.byteLength) {
      let cap = this.buf.byteLength << 1;
      if (cap < need) cap = need;
      const grown = new ArrayBuffer(cap);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.len);
      this.buf = grown;
    }
    return changetype<usize>(this.buf) + <usize>this.len;
  }

  byte(b: i32): void {
    store<u8>(this.reserve(1), <u8>b);
    this.len++;
  }

  /** A string known to be ASCII (punctuation, keys we write, number text). */
  ascii(s: string): void {
    const n = s.length;
    const at = this.reserve(n);
    for (let i = 0; i < n; i++) store<u8>(at + <usize>i, <u8>s.charCodeAt(i));
    this.len += n;
  }

  /** `s` as a JSON string literal, UTF-8 encoded; a lone surrogate becomes U+FFFD. */
  jsonString(s: string): void {
    const n = s.length;
    let at = this.reserve(n * 3 + 2); // worst case without escapes; escapes reserve more below
    store<u8>(at++, 0x22);
    for (let i = 0; i < n; i++) {
      let c = <u32>s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != 0x22 && c != 0x5c) {
          store<u8>(at++, <u8>c);
          continue;
        }
        this.len = <i32>(at - changetype<usize>(this.buf));
        this.escape(c);
        at = this.reserve((n - i) * 3 + 1);
      } else if (c < 0x800) {
        store<u8>(at++, <u8>(0xc0 | (c >> 6)));
        store<u8>(at++, <u8>(0x80 | (c & 63)));
      } else {
        if (c >= 0xd800 && c < 0xe000) {
          const next = i + 1 < n ? <u32>s.charCodeAt(i + 1) : 0;
          if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            store<u8>(at++, <u8>(0xf0 | (cp >> 18)));
            store<u8>(at++, <u8>(0x80 | ((cp >> 12) & 63)));
            store<u8>(at++, <u8>(0x80 | ((cp >> 6) & 63)));
            store<u8>(at++, <u8>(0x80 | (cp & 63)));
            i++;
            continue;
          }
          c = 0xfffd;
        }
        store<u8>(at++, <u8>(0xe0 | (c >> 12)));
        store<u8>(at++, <u8>(0x80 | ((c >> 6) & 63)));
        store<u8>(at++, <u8>(0x80 | (c & 63)));
      }
    }
    store<u8>(at++, 0x22);
    this.len = <i32>(at - changetype<usize>(this.buf));
  }

  private escape(c: u32): void {
    if (c == 0x22) this.ascii("\\\"");
    else if (c == 0x5c) this.ascii("\\\\");
    else if (c == 0x0a) this.ascii("\\n");
    else if (c == 0x0d) this.ascii("\\r");
    else if (c == 0x09) this.ascii("\\t");
    else {
      this.ascii("\\u00");
      this.byte(HEX.charCodeAt(c >> 4));
      this.byte(HEX.charCodeAt(c & 15));
    }
  }

  /** The bytes written, as their own buffer. */
  toBytes(): ArrayBuffer {
    return this.buf.slice(0, this.len);
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}

const HEX = "0123456789abcdef";
