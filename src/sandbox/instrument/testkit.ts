/**
 * Helpers shared by the instrumenter's tests and bench: WAT fixtures compiled
 * with the `wabt` npm package, the wasm-validate CLI, a real large module
 * (wabt's own wasm, embedded in its npm package), and a metering host that
 * plays the gateway's role for refuel.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wabtInit from "wabt";

export const REPO_ROOT = join(import.meta.dir, "..", "..", "..");
export const WAT_DIR = join(REPO_ROOT, "test", "fixtures", "wat");
const BIN = join(REPO_ROOT, "node_modules", ".bin");

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;

const ALL_FEATURES = {
  exceptions: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true, simd: true,
  multi_value: true, tail_call: true, bulk_memory: true, reference_types: true, extended_const: true,
  relaxed_simd: true, threads: true,
};

export async function watToWasm(source: string, name = "inline.wat"): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await (wabtPromise ??= wabtInit());
  const mod = wabt.parseWat(name, source, ALL_FEATURES);
  try {
    mod.resolveNames();
    mod.validate();
    return new Uint8Array(mod.toBinary({ write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}

/** Compile test/fixtures/wat/<name>.wat. */
export async function fixture(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return watToWasm(await Bun.file(join(WAT_DIR, `${name}.wat`)).text(), `${name}.wat`);
}

// Everything the instrumenter supports except function-references/GC: with those
// enabled, wabt 1.0.39 rejects valid MVP code (ref.func typed too narrowly for table.set).
const VALIDATE_FLAGS = ["--enable-exceptions", "--enable-tail-call", "--enable-threads", "--enable-extended-const",
  "--enable-relaxed-simd", "--enable-multi-memory", "--enable-memory64"];

/** Run node_modules/.bin/wasm-validate (wabt's independent validator) on the bytes. */
export function wasmValidateCli(bytes: Uint8Array): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "instr-"));
  try {
    const file = join(dir, "m.wasm");
    writeFileSync(file, bytes);
    const p = Bun.spawnSync([join(BIN, "wasm-validate"), ...VALIDATE_FLAGS, file]);
    return { ok: p.exitCode === 0, output: p.stderr.toString() + p.stdout.toString() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wabt's compiled C++ (≈600 KB of real-world wasm), decoded from the string it ships in. */
export async function wabtWasm(): Promise<Uint8Array<ArrayBuffer>> {
  const src = await Bun.file(join(REPO_ROOT, "node_modules", "wabt", "index.js")).text();
  const marker = "findWasmBinary(){return binaryDecode(";
  const at = src.indexOf(marker);
  if (at < 0) throw new Error("wabt/index.js layout changed: embedded wasm not found");
  const quote = at + marker.length;
  let i = quote + 1;
  while (src[i] !== src[quote]) i += src[i] === "\\" ? 2 : 1;
  const text = new Function(`return ${src.slice(quote, i + 1)}`)() as string;
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    out[k] = (~c >> 8) & c; // the decoder wabt's glue uses
  }
  return out;
}

export class FuelExhausted extends Error {
  constructor() {
    super("fuel exhausted");
    this.name = "FuelExhausted";
  }
}

/**
 * The gateway's side of metering, minimal: hands out `allotment` per refuel,
 * `maxRefuels` times, then stops the call by throwing or by returning -1
 * (which makes the injected code trap). Tracks fuel used exactly, including
 * the deficit the counter had reached when refuel was called.
 */
export class MeteringHost {
  refuels = 0;
  private given = 0n;
  private start = 0n;
  private read: (() => bigint) | undefined;
  private write: ((v: bigint) => void) | undefined;

  constructor(readonly allotment: bigint, readonly maxRefuels = Infinity, readonly stop: "throw" | "trap" = "throw") {}

  imports(): WebAssembly.Imports {
    return { "mcp-sidecar": { refuel: () => this.refuel() } };
  }

  /** Find the counter: the exported global, or the _get/_set accessors (fuelExport: "functions"). */
  attach(instance: WebAssembly.Instance): void {
    const e = instance.exports;
    if (e.__mcp_fuel instanceof WebAssembly.Global) {
      const g = e.__mcp_fuel;
      this.read = () => g.value as bigint;
      this.write = (v) => { g.value = v; };
    } else {
      this.read = e.__mcp_fuel_get as () => bigint;
      this.write = e.__mcp_fuel_set as (v: bigint) => void;
    }
  }

  get counter(): bigint {
    return this.read!();
  }

  /** Before a call: fill the counter. */
  begin(fuel: bigint): void {
    this.write!(fuel);
    this.start = fuel;
    this.given = 0n;
  }

  /** After a call: fuel consumed = start + refills - what is left. */
  used(): bigint {
    return this.start + this.given - this.read!();
  }

  private refuel(): bigint {
    this.refuels++;
    if (this.refuels > this.maxRefuels) {
      if (this.stop === "throw") throw new FuelExhausted();
      return -1n;
    }
    // The counter is negative here: that overshoot was consumed too.
    if (this.read) this.given += this.allotment - this.read();
    return this.allotment;
  }
}

export function instantiate(bytes: BufferSource, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
}

/** Assemble a module from raw sections, for inputs text formats cannot express (broken or unusual ones). */
export function rawModule(...sections: [id: number, content: number[]][]): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [id, content] of sections) out.push(id, ...uleb(content.length), ...content);
  return Uint8Array.from(out);
}

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const b = v & 0x7f;
    v >>>= 7;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
}

/** A custom section's content: its name, then payload. */
export function custom(name: string, payload: number[] = []): [number, number[]] {
  const n = [...new TextEncoder().encode(name)];
  return [0, [...uleb(n.length), ...n, ...payload]];
}

/** Section ids (and custom names) of a module, in order. */
export function sectionList(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let p = 8;
  const leb = () => {
    let v = 0;
    let s = 0;
    for (;;) {
      const b = bytes[p++]!;
      v += (b & 0x7f) * 2 ** s;
      s += 7;
      if (!(b & 0x80)) return v;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 0) {
      const len = leb();
      out.push(`custom:${new TextDecoder().decode(bytes.subarray(p, p + len))}`);
    } else {
      out.push(String(id));
    }
    p = end;
  }
  return out;
}
