/**
 * Our Extism host for one plugin instance: links a guest's imports and is the context every host function
 * reaches. Replaces @extism/extism on the call path (bench/RESULTS.md: its BigInt address maths and a
 * JS crossing per 8 bytes were most of a plugin call).
 *
 *   extism:host/env    memory, input, output, error  -> the wasm kernel (./kernel.wat), wasm-to-wasm
 *                      config, vars, logs            -> ./env.ts
 *                      http_*                        -> ./http.ts
 *   mcp-sidecar.refuel                               -> the kernel's trampoline to ../fuel.ts
 *   wasi_snapshot_preview1                           -> ./wasi.ts (closed, minimal)
 *   anything else (extism:host/user...)              -> the HostFunctions given, bound to this context
 */
import type { CallState } from "../call-state.ts";
import { FUEL_IMPORT } from "../compile.ts";
import { SandboxError } from "../errors.ts";
import { FUEL_SLICE, INSTANTIATION_REFUELS, refuelAfterYield, refuelNow } from "../fuel.ts";
import { isAsync, type HostContext, type HostFunctions } from "./context.ts";
import { envFunctions } from "./env.ts";
import { httpFunctions } from "./http.ts";
import { jspi } from "./jspi.ts";
import { Kernel } from "./kernel.ts";
import { wasiFunctions } from "./wasi.ts";

export const EXTISM_ENV = "extism:host/env";
const WASI = "wasi_snapshot_preview1";

export interface HostOptions {
  config: Record<string, string>;
  allowedHosts: string[];
  logger: Console;
  /** The plugin's memory limit: caps the blocks of a call outside calls, and variables. */
  maxBytes: number;
  /** Cap on an HTTP response body. */
  maxResponseBytes: number;
}

const FAULTS = [
  "read outside its Extism blocks",
  "wrote outside its Extism blocks",
  "set as output something that is not a block (or longer than it)",
  "set as error something that is not a block",
  "read past the end of its input",
];

export class GuestHost implements HostContext {
  /** The call in flight; set by the instance around each call. */
  state: CallState | null = null;
  readonly kernel: Kernel;
  readonly logger: Console;
  readonly config: ReadonlyMap<string, Uint8Array>;
  readonly vars = new Map<string, Map<string, Uint8Array>>();
  readonly maxVarBytes: number;
  readonly allowedHosts: readonly string[];
  readonly maxResponseBytes: number;
  private startRefuels = 0;

  constructor(opts: HostOptions) {
    this.logger = opts.logger;
    this.config = new Map(Object.entries(opts.config).map(([k, v]) => [k, new TextEncoder().encode(v)]));
    this.maxVarBytes = opts.maxBytes;
    this.allowedHosts = opts.allowedHosts;
    this.maxResponseBytes = opts.maxResponseBytes;
    this.kernel = new Kernel({
      oom: (held) => this.oom(held),
      fault: (kind, handle) =>
        this.fail(new SandboxError("trap", `the plugin crashed: it ${FAULTS[kind] ?? "misused a block"} (handle 0x${handle.toString(16)})`)),
      refuel: () => (this.state ? refuelNow(this.state) : this.startGrant()),
      refuelAfterYield: () => refuelAfterYield(this.state!),
    });
    // Blocks work before the first call too (a start function may log): same limit as a call's.
    this.kernel.begin("", opts.maxBytes);
  }

  /**
   * The import object for a module with these imports. A name we do not provide fails here with a clear
   * message instead of a LinkError.
   */
  imports(
    moduleImports: readonly WebAssembly.ModuleImportDescriptor[],
    user: HostFunctions,
    memory: () => WebAssembly.Memory | undefined,
  ): WebAssembly.Imports {
    const env: Record<string, Function> = { ...envFunctions(this), ...httpFunctions(this), ...this.kernel.env };
    const provided: Record<string, Record<string, Function>> = {
      ...Object.fromEntries(Object.entries(user).map(([ns, fns]) => [ns, this.bind(fns)])),
      [EXTISM_ENV]: this.suspendAsync(env),
      [FUEL_IMPORT.module]: { [FUEL_IMPORT.name]: this.kernel.refuel },
      [WASI]: wasiFunctions(moduleImports, memory),
    };
    const imports: Record<string, Record<string, Function>> = {};
    for (const { module, name, kind } of moduleImports) {
      const fn = Object.hasOwn(provided, module) && Object.hasOwn(provided[module]!, name) ? provided[module]![name] : undefined;
      if (kind !== "function" || !fn) throw new Error(`the plugin imports ${kind} "${module}" "${name}", which mcp-sidecar does not provide`);
      (imports[module] ??= {})[name] = fn;
    }
    return imports as WebAssembly.Imports;
  }

  /** Fails the call in flight with `error`, remembered so a guest catching the throw still fails. */
  fail(error: SandboxError): never {
    if (this.state && !this.state.failure) this.state.failure = error;
    throw error;
  }

  bytes(handle: bigint): Uint8Array | undefined {
    return this.kernel.bytes(handle);
  }

  text(handle: bigint): string | undefined {
    return this.kernel.text(handle);
  }

  store(value: string | Uint8Array): bigint {
    return BigInt(this.kernel.store(value));
  }

  private oom(held: number): never {
    const limit = this.state?.opts.maxHostBytes ?? this.maxVarBytes;
    this.fail(
      new SandboxError(
        "memory",
        `the plugin tried to hold ${held} bytes of host buffers, more than its ${Math.round(limit / 1048576)} MB memory limit`,
      ),
    );
  }

  /** A start function runs before any call exists; it gets a bounded budget, then is stopped. */
  private startGrant(): number {
    return ++this.startRefuels > INSTANTIATION_REFUELS ? -1 : FUEL_SLICE;
  }

  /** Host functions get this context as first argument; async ones suspend the guest (JSPI). */
  private bind(fns: Record<string, Function>): Record<string, Function> {
    return this.suspendAsync(fns, this);
  }

  private suspendAsync(fns: Record<string, Function>, context?: HostContext): Record<string, Function> {
    const out: Record<string, Function> = {};
    for (const [name, fn] of Object.entries(fns)) {
      const bound = context ? fn.bind(null, context) : fn;
      out[name] = isAsync(fn) ? (new jspi.Suspending(bound as () => Promise<unknown>) as Function) : bound;
    }
    return out;
  }
}
