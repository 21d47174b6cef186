/**
 * The JS side of the block-store kernel (./kernel.wat): one kernel instance per plugin instance, its
 * exports linked as the guest's `extism:host/env` memory functions. Per call the host writes the input
 * into the kernel's memory (one copy, encoded in place for strings), calls `begin`, and after the guest
 * returns copies the output out (one copy). Host functions written in JS (config, vars, logs, HTTP, the
 * hyper-mcp functions) read and store blocks through the methods here.
 */
import { KERNEL_WASM_BASE64 } from "./kernel-wasm.ts";
import { jspi } from "./jspi.ts";

/** The kernel exports a guest may import from `extism:host/env`, linked wasm-to-wasm. */
export const KERNEL_ENV_FUNCTIONS = [
  "alloc", "free", "length", "length_unsafe", "load_u8", "load_u64", "store_u8", "store_u64",
  "input_length", "input_load_u8", "input_load_u64", "input_offset", "output_set", "error_set", "error_get",
] as const;

/** Where the input block's data starts (see the layout in kernel.wat). */
const INPUT_AT = 16;
const PAGE = 65536;
const MAX_HELD = 3 * 2 ** 30;

export interface KernelHooks {
  /** The call wants to hold `held` bytes of blocks, over its limit: throw the call's memory error. */
  oom(held: number): never;
  /** The guest used a bad handle: throw. */
  fault(kind: number, handle: bigint): never;
  /** Fuel for the guest: an allotment, a negative number to stop the call, or 0 to yield first. */
  refuel(): number;
  /** Fuel after letting the event loop run (JSPI suspends the guest meanwhile). */
  refuelAfterYield(): Promise<number>;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  begin(inputLength: number, limit: number): void;
  held(): number;
  alloc_host(size: number): number;
  free_host(handle: number): void;
  block_len(handle: number): number;
  refuel: Function;
  out: WebAssembly.Global;
  out_len: WebAssembly.Global;
  err: WebAssembly.Global;
}

let kernelModule: WebAssembly.Module | undefined;
/** Compiled once per process (~1 KB); instantiating it costs microseconds. */
function compiledKernel(): WebAssembly.Module {
  return (kernelModule ??= new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, "base64")));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Kernel {
  private readonly k: KernelExports;
  private readonly memory: WebAssembly.Memory;
  /** A view of the kernel's memory, renewed when the memory grows (growing detaches the old buffer). */
  private u8: Uint8Array;
  /** The functions to link into the guest's `extism:host/env` imports. */
  readonly env: Record<string, Function> = {};
  /** The guest's `mcp-sidecar.refuel` (wasm: a plain import most of the time, a suspending one to yield). */
  readonly refuel: Function;

  constructor(hooks: KernelHooks) {
    const host = {
      oom: (held: number) => hooks.oom(held),
      fault: (kind: number, handle: bigint) => hooks.fault(kind, handle),
      refuel: () => hooks.refuel(),
      refuel_wait: new jspi.Suspending(() => hooks.refuelAfterYield()),
    };
    const instance = new WebAssembly.Instance(compiledKernel(), { host } as WebAssembly.Imports);
    this.k = instance.exports as unknown as KernelExports;
    this.memory = this.k.memory;
    this.u8 = new Uint8Array(this.memory.buffer);
    for (const name of KERNEL_ENV_FUNCTIONS) this.env[name] = instance.exports[name] as Function;
    this.refuel = this.k.refuel;
  }

  /** Starts a call: the input becomes block 1, every other block of the last call is gone. */
  begin(input: string | Uint8Array, limit: number): void {
    let length: number;
    if (typeof input === "string") {
      // Encoded straight into the kernel's memory. A first try with room for one byte per character
      // fits ASCII (the usual JSON); otherwise grow to the worst case (3 bytes per UTF-16 unit) and redo.
      this.reserve(INPUT_AT + input.length);
      let r = encoder.encodeInto(input, this.view().subarray(INPUT_AT));
      if (r.read < input.length) {
        this.reserve(INPUT_AT + input.length * 3);
        r = encoder.encodeInto(input, this.view().subarray(INPUT_AT));
      }
      length = r.written;
    } else {
      this.reserve(INPUT_AT + input.byteLength);
      this.view().set(input, INPUT_AT);
      length = input.byteLength;
    }
    // The kernel's offsets are 32-bit: past 3 GiB of blocks its arithmetic could wrap (4096 MB is a valid
    // memory limit), and such a call fails as out of memory anyway.
    this.k.begin(length, Math.min(limit, MAX_HELD));
  }

  /** Bytes of blocks the call holds (input excluded): what the memory limit is checked against. */
  held(): number {
    return this.k.held();
  }

  /** Length of the output the guest set (0 if none), without copying it. */
  outputLength(): number {
    return this.k.out_len.value as number;
  }

  /** A copy of the output, or null if the guest set none. */
  output(): Uint8Array | null {
    const at = this.k.out.value as number;
    return at === 0 ? null : this.view().slice(at, at + (this.k.out_len.value as number));
  }

  /**
   * The output decoded as UTF-8 straight from the kernel's memory, or null if the guest set none. Saves
   * `output()`'s copy when the caller wants text anyway (a tool's JSON result, on every call).
   */
  outputText(): string | null {
    const at = this.k.out.value as number;
    return at === 0 ? null : decoder.decode(this.view().subarray(at, at + (this.k.out_len.value as number)));
  }

  /** The message the guest passed to error_set, or null. */
  error(): string | null {
    const at = this.k.err.value as number;
    return at === 0 ? null : this.textAt(at);
  }

  /** Length of block `handle`, or -1 if it is not a live block of this call. */
  length(handle: bigint | number): number {
    const h = Number(handle);
    return h > 0 && h <= 0xffffffff ? this.k.block_len(h) : -1;
  }

  bytes(handle: bigint | number): Uint8Array | undefined {
    const h = Number(handle);
    const length = this.length(h);
    return length < 0 ? undefined : this.view().slice(h, h + length);
  }

  text(handle: bigint | number): string | undefined {
    const h = Number(handle);
    return this.length(h) < 0 ? undefined : this.textAt(h);
  }

  /** Stores bytes or UTF-8 text as a new block; returns its handle. Throws (via oom) past the limit. */
  store(value: string | Uint8Array): number {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    const handle = this.k.alloc_host(bytes.byteLength);
    this.view().set(bytes, handle);
    return handle;
  }

  free(handle: bigint | number): void {
    const h = Number(handle);
    if (h > 0 && h <= 0xffffffff) this.k.free_host(h);
  }

  private textAt(at: number): string {
    return decoder.decode(this.view().subarray(at, at + Math.max(0, this.k.block_len(at))));
  }

  private view(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer) this.u8 = new Uint8Array(this.memory.buffer);
    return this.u8;
  }

  /** Grows the kernel's memory to at least `bytes` (the input is written before the kernel sees it). */
  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }
}
