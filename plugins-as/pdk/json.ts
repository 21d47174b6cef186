// A tiny JSON value, parser and writer: enough for tool arguments, results and host-function payloads.
// Why not a JSON library: the AssemblyScript ones need a compiler transform or lag the compiler's
// versions (plugins-as/README.md); arguments are small, so one dynamic value type does.
import { ByteWriter } from "./writer";

export enum JsonKind { Null, Bool, Number, String, Array, Object }

// Scalars share these (never written: set/push check the kind), so parsing "x" costs one object, not three.
const EMPTY_ITEMS: JsonValue[] = [];
const EMPTY_KEYS: string[] = [];

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  num: f64 = 0;
  str: string = "";
  /** Members of an array or object (values); empty for scalars, which allocate no arrays. */
  items: JsonValue[] = EMPTY_ITEMS;
  /** Member names of an object, parallel to `items`. */
  keys: string[] = EMPTY_KEYS;

  static null(): JsonValue { return new JsonValue(); }
  static fromBool(b: bool): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Bool; v.bool = b; return v; }
  static fromNumber(n: f64): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Number; v.num = n; return v; }
  static fromString(s: string): JsonValue { const v = new JsonValue(); v.kind = JsonKind.String; v.str = s; return v; }
  static array(): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Array; v.items = []; return v; }
  static object(): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Object; v.items = []; v.keys = []; return v; }

  get isNull(): bool { return this.kind == JsonKind.Null; }
  get isString(): bool { return this.kind == JsonKind.String; }
  get isNumber(): bool { return this.kind == JsonKind.Number; }
  get isBool(): bool { return this.kind == JsonKind.Bool; }
  get isObject(): bool { return this.kind == JsonKind.Object; }
  get isArray(): bool { return this.kind == JsonKind.Array; }

  /** An object's member (the last one if a key repeats), or null. */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i] == key) return this.items[i];
    return null;
  }

  /** An object's string member, or null when it is missing or not a string. */
  getString(key: string): string | null {
    const v = this.get(key);
    if (v === null || v.kind != JsonKind.String) return null;
    return v.str;
  }

  /** An object's number member, or `fallback`. */
  getNumber(key: string, fallback: f64 = NaN): f64 {
    const v = this.get(key);
    if (v === null || v.kind != JsonKind.Number) return fallback;
    return v.num;
  }

  /** Adds or replaces an object member; returns this, so results can be built in one expression. */
  set(key: string, value: JsonValue): JsonValue {
    if (this.kind != JsonKind.Object) throw new Error("JsonValue.set on a value that is not an object");
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) { this.items[i] = value; return this; }
    }
    this.keys.push(key);
    this.items.push(value);
    return this;
  }

  setString(key: string, s: string): JsonValue { return this.set(key, JsonValue.fromString(s)); }
  setNumber(key: string, n: f64): JsonValue { return this.set(key, JsonValue.fromNumber(n)); }
  setBool(key: string, b: bool): JsonValue { return this.set(key, JsonValue.fromBool(b)); }

  push(value: JsonValue): JsonValue {
    if (this.kind != JsonKind.Array) throw new Error("JsonValue.push on a value that is not an array");
    this.items.push(value);
    return this;
  }

  /** Appends this value's JSON (UTF-8) to `w`. */
  write(w: ByteWriter): void {
    switch (this.kind) {
      case JsonKind.Null: w.ascii("null"); break;
      case JsonKind.Bool: w.ascii(this.bool ? "true" : "false"); break;
      case JsonKind.Number: w.ascii(numberToJson(this.num)); break;
      case JsonKind.String: w.jsonString(this.str); break;
      case JsonKind.Array: {
        w.byte(0x5b);
        for (let i = 0; i < this.items.length; i++) {
          if (i > 0) w.byte(0x2c);
          this.items[i].write(w);
        }
        w.byte(0x5d);
        break;
      }
      default: {
        w.byte(0x7b);
        for (let i = 0; i < this.keys.length; i++) {
          if (i > 0) w.byte(0x2c);
          w.jsonString(this.keys[i]);
          w.byte(0x3a);
          this.items[i].write(w);
        }
        w.byte(0x7d);
      }
    }
  }

  /** The JSON as UTF-8 bytes, ready for the host. */
  toJsonBytes(): ArrayBuffer {
    const w = new ByteWriter();
    this.write(w);
    return w.toBytes();
  }

  toString(): string {
    const w = new ByteWriter();
    this.write(w);
    return w.toString();
  }
}

function numberToJson(n: f64): string {
  if (!isFinite(n)) return "null"; // JSON has no NaN or Infinity
  if (n == Math.floor(n) && Math.abs(n) < 9007199254740992) return (<i64>n).toString();
  return n.toString();
}

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  const w = new ByteWriter(s.length + 2);
  w.jsonString(s);
  return w.toString();
}
