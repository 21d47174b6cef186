// JSON parser over UTF-8 bytes, as the host hands them over: no UTF-16 copy of the whole input first, and
// a string without escapes becomes one decode of its own bytes.
import { JsonValue } from "./json";

/** Why the last parseJson / parseJsonBytes returned null. */
export let lastJsonError = "";

/** Nesting limit: deeper input is refused instead of overflowing the guest's stack. */
const MAX_DEPTH = 128;

/** Parses JSON text; null (with `lastJsonError` set) if it is not valid JSON. */
export function parseJson(text: string): JsonValue | null {
  return parseJsonBytes(String.UTF8.encode(text));
}

/** Parses UTF-8 JSON; null (with `lastJsonError` set) if it is not valid JSON. */
export function parseJsonBytes(bytes: ArrayBuffer): JsonValue | null {
  const p = new Parser(bytes);
  const value = p.value(0);
  if (value === null || p.failed) return null;
  p.space();
  if (p.at < p.end) {
    lastJsonError = "unexpected text after the JSON value at byte " + p.offset().toString();
    return null;
  }
  return value;
}

class Parser {
  at: usize;
  end: usize;
  failed: bool = false;

  constructor(public bytes: ArrayBuffer) {
    this.at = changetype<usize>(bytes);
    this.end = this.at + <usize>bytes.byteLength;
  }

  offset(): i32 {
    return <i32>(this.at - changetype<usize>(this.bytes));
  }

  fail(why: string): JsonValue | null {
    if (!this.failed) lastJsonError = why + " at byte " + this.offset().toString();
    this.failed = true;
    return null;
  }

  peek(): i32 {
    return this.at < this.end ? <i32>load<u8>(this.at) : -1;
  }

  space(): void {
    while (this.at < this.end) {
      const c = load<u8>(this.at);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.at++;
    }
  }

  /** Consumes `c` if it is next. */
  char(c: i32): bool {
    if (this.peek() != c) return false;
    this.at++;
    return true;
  }

  /** Consumes the ASCII `word` if the input continues with it. */
  literal(word: string): bool {
    const n = <usize>word.length;
    if (this.at + n > this.end) return false;
    for (let i: usize = 0; i < n; i++) if (<i32>load<u8>(this.at + i) != word.charCodeAt(<i32>i)) return false;
    this.at += n;
    return true;
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("JSON nested too deeply");
    this.space();
    const c = this.peek();
    if (c < 0) return this.fail("unexpected end of JSON");
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : JsonValue.fromString(s);
    }
    if (this.literal("true")) return JsonValue.fromBool(true);
    if (this.literal("false")) return JsonValue.fromBool(false);
    if (this.literal("null")) return JsonValue.null();
    return this.number();
  }

  number(): JsonValue | null {
    const start = this.at;
    let integer = true;
    let digits = 0;
    let whole: f64 = 0;
    while (this.at < this.end) {
      const c = load<u8>(this.at);
      if (c >= 0x30 && c <= 0x39) {
        whole = whole * 10 + <f64>(c - 0x30);
        digits++;
      } else if (c == 0x2d && this.at == start) {
        // leading minus
      } else if (c == 0x2e || c == 0x65 || c == 0x45 || c == 0x2b || c == 0x2d) {
        integer = false;
      } else break;
      this.at++;
    }
    if (digits == 0) return this.fail("unexpected character");
    // Small integers (ids, counts) exactly, without parseFloat's string round trip.
    if (integer && digits <= 15) return JsonValue.fromNumber(load<u8>(start) == 0x2d ? -whole : whole);
    const n = parseFloat(String.UTF8.decodeUnsafe(start, this.at - start));
    if (isNaN(n)) return this.fail("invalid number");
    return JsonValue.fromNumber(n);
  }

  string(): string | null {
    this.at++; // opening quote
    let out = "";
    let escaped = false;
    let start = this.at;
    while (this.at < this.end) {
      const c = load<u8>(this.at);
      if (c == 0x22) {
        // Most strings have no escapes: one decode of their bytes.
        const tail = String.UTF8.decodeUnsafe(start, this.at - start);
        this.at++;
        return escaped ? out + tail : tail;
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.at++;
        continue;
      }
      escaped = true;
      out += String.UTF8.decodeUnsafe(start, this.at - start);
      const e = this.at + 1 < this.end ? load<u8>(this.at + 1) : 0;
      this.at += 2;
      if (e == 0x6e) out += "\n";
      else if (e == 0x74) out += "\t";
      else if (e == 0x72) out += "\r";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x75) {
        const code = this.hex4();
        if (code < 0) {
          this.fail("invalid \\u escape");
          return null;
        }
        out += String.fromCharCode(code); // surrogate pairs arrive as two escapes and join up in UTF-16
      } else {
        this.fail("invalid escape");
        return null;
      }
      start = this.at;
    }
    this.fail("unterminated string");
    return null;
  }

  /** Four hex digits after `\u`, or -1. */
  hex4(): i32 {
    if (this.at + 4 > this.end) return -1;
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const c = <i32>load<u8>(this.at++);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      if (d < 0) return -1;
      code = (code << 4) | d;
    }
    return code;
  }

  array(depth: i32): JsonValue | null {
    this.at++;
    const arr = JsonValue.array();
    this.space();
    if (this.char(0x5d)) return arr;
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      arr.items.push(item);
      this.space();
      if (this.char(0x5d)) return arr;
      if (!this.char(0x2c)) return this.fail("expected , or ]");
    }
    return arr;
  }

  object(depth: i32): JsonValue | null {
    this.at++;
    const obj = JsonValue.object();
    this.space();
    if (this.char(0x7d)) return obj;
    while (true) {
      this.space();
      if (this.peek() != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (key === null) return null;
      this.space();
      if (!this.char(0x3a)) return this.fail("expected :");
      const item = this.value(depth + 1);
      if (item === null) return null;
      obj.keys.push(key);
      obj.items.push(item);
      this.space();
      if (this.char(0x7d)) return obj;
      if (!this.char(0x2c)) return this.fail("expected , or }");
    }
    return obj;
  }
}
