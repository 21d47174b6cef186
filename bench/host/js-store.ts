/**
 * The alternative to src/sandbox/host/kernel.wat measured in bench/host.bench.ts: the same block store
 * (same layout, bounds checks, zeroing and memory limit) written in JS with plain numbers in one
 * ArrayBuffer, linked as the guest's `extism:host/env` memory functions. Each guest load/store is then a
 * wasm->JS call with a BigInt handle (and a BigInt value for the u64 ones). Everything else (config, logs,
 * fuel...) comes from the real GuestHost, so the two designs differ only in the store.
 */
import type { CallState } from "../../src/sandbox/call-state.ts";
import type { CompiledPlugin } from "../../src/sandbox/compile.ts";
import { SandboxError } from "../../src/sandbox/errors.ts";
import { FUEL_SLICE, nextGrant } from "../../src/sandbox/fuel.ts";
import { EXTISM_ENV, GuestHost } from "../../src/sandbox/host/host.ts";
import { jspi } from "../../src/sandbox/host/jspi.ts";

const TAG = 0x6b6c6278;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class JsBlockStore {
  private buf = new ArrayBuffer(65536);
  private u8 = new Uint8Array(this.buf);
  private dv = new DataView(this.buf);
  private top = 16;
  private base = 16;
  private dirty = 16;
  private inLen = 0;
  private limit = 0;
  out = 0;
  outLen = 0;
  err = 0;

  constructor(private readonly fail: (e: SandboxError) => never) {}

  private grow(need: number): void {
    let n = this.buf.byteLength;
    while (n < need) n *= 2;
    const next = new ArrayBuffer(n);
    new Uint8Array(next).set(this.u8);
    this.buf = next;
    this.u8 = new Uint8Array(next);
    this.dv = new DataView(next);
  }

  private header(h: number): number {
    return h >= 16 && h < this.top && (h & 7) === 0 && this.dv.getUint32(h - 4, true) === TAG ? h - 8 : 0;
  }

  private at(handle: bigint, n: number): number {
    const h = Number(handle);
    if (h < 16 || h > this.top - n) this.fail(new SandboxError("trap", `bad handle ${handle}`));
    return h;
  }

  private allocNum(n: number): number {
    const held = this.top - this.base + n + 8;
    if (held > this.limit) this.fail(new SandboxError("memory", `the plugin tried to hold ${held} bytes of host buffers`));
    const h = this.top + 8;
    const end = (h + n + 7) & ~7;
    if (end > this.buf.byteLength) this.grow(end);
    this.dv.setUint32(this.top, n, true);
    this.dv.setUint32(this.top + 4, TAG, true);
    if (h < this.dirty) this.u8.fill(0, h, Math.min(end, this.dirty));
    this.top = end;
    if (end > this.dirty) this.dirty = end;
    return h;
  }

  readonly env: Record<string, Function> = {
    alloc: (n: bigint) => BigInt(this.allocNum(Number(n))),
    free: (handle: bigint) => {
      const hdr = this.header(Number(handle));
      if (!hdr || hdr === 8) return;
      this.dv.setUint32(hdr + 4, 0, true);
      if (((hdr + 8 + this.dv.getUint32(hdr, true) + 7) & ~7) === this.top) this.top = hdr;
    },
    length: (handle: bigint) => {
      const hdr = this.header(Number(handle));
      return hdr ? BigInt(this.dv.getUint32(hdr, true)) : 0n;
    },
    load_u8: (h: bigint) => this.u8[this.at(h, 1)],
    load_u64: (h: bigint) => this.dv.getBigUint64(this.at(h, 8), true),
    store_u8: (h: bigint, v: number) => void (this.u8[this.at(h, 1)] = v),
    store_u64: (h: bigint, v: bigint) => this.dv.setBigUint64(this.at(h, 8), v, true),
    input_length: () => BigInt(this.inLen),
    input_load_u8: (i: bigint) => {
      const x = Number(i);
      if (x >= this.inLen) this.fail(new SandboxError("trap", "input"));
      return this.u8[16 + x];
    },
    input_load_u64: (i: bigint) => {
      const x = Number(i);
      if (x + 8 > this.inLen) this.fail(new SandboxError("trap", "input"));
      return this.dv.getBigUint64(16 + x, true);
    },
    output_set: (h: bigint, len: bigint) => {
      this.out = Number(h);
      this.outLen = Number(len);
    },
    error_set: (h: bigint) => void (this.err = Number(h)),
  };

  begin(input: string, limit: number): void {
    if (16 + input.length * 3 > this.buf.byteLength) this.grow(16 + input.length * 3);
    const { written } = encoder.encodeInto(input, this.u8.subarray(16));
    this.inLen = written;
    this.dv.setUint32(8, written, true);
    this.dv.setUint32(12, TAG, true);
    this.top = this.base = (16 + written + 7) & ~7;
    this.u8.fill(0, 16 + written, this.top);
    if (this.top > this.dirty) this.dirty = this.top;
    this.limit = limit;
    this.out = this.outLen = this.err = 0;
  }

  output(): Uint8Array | null {
    return this.out === 0 ? null : this.u8.slice(this.out, this.out + this.outLen);
  }

  error(): string | null {
    return this.err === 0 ? null : decoder.decode(this.u8.subarray(this.err, this.err + this.dv.getUint32(this.err - 8, true)));
  }
}

/** SandboxInstance.call's steps, with the JS store in place of the kernel. */
export class JsStoreInstance {
  private constructor(
    private readonly host: GuestHost,
    private readonly store: JsBlockStore,
    private readonly exports: any,
    private readonly run: () => Promise<number>,
  ) {}

  static async create(compiled: CompiledPlugin, exportName: string): Promise<JsStoreInstance> {
    const host = new GuestHost({ config: {}, allowedHosts: [], logger: console, maxBytes: 64 << 20, maxResponseBytes: 1 << 20 });
    const store = new JsBlockStore((e) => host.fail(e));
    const imports = host.imports(compiled.imports, {}, () => undefined) as Record<string, Record<string, Function>>;
    for (const name of Object.keys(imports[EXTISM_ENV]!)) if (name in store.env) imports[EXTISM_ENV]![name] = store.env[name]!;
    const instance = await WebAssembly.instantiate(compiled.module, imports as WebAssembly.Imports);
    const exports = instance.exports as any;
    return new JsStoreInstance(host, store, exports, jspi.promising(exports[exportName]));
  }

  async call(input: string, state: CallState): Promise<Uint8Array | null> {
    const first = nextGrant(state);
    state.fuelGranted = first;
    this.exports.__mcp_fuel_set(first === FUEL_SLICE ? 100_000n : BigInt(first));
    this.host.state = state;
    try {
      this.store.begin(input, state.opts.maxHostBytes);
      await this.run();
    } finally {
      state.fuelUsed = state.fuelGranted - Math.max(0, Number(this.exports.__mcp_fuel_get()));
      this.host.state = null;
    }
    const error = this.store.error();
    if (error !== null) throw new SandboxError("plugin_error", error);
    return this.store.output();
  }
}
