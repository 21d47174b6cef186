/**
 * JSPI (WebAssembly JavaScript Promise Integration), typed: not yet in TypeScript's lib. Bun 1.4 has it.
 * `Suspending` wraps an async import so a wasm caller is suspended while its promise settles; `promising`
 * wraps an export so calling it returns a promise (required for any import to suspend).
 */
interface Jspi {
  Suspending: new (fn: (...args: any[]) => unknown) => object;
  promising<R>(fn: (...args: any[]) => R): (...args: any[]) => Promise<R>;
}

const api = WebAssembly as unknown as Partial<Jspi>;
if (typeof api.Suspending !== "function" || typeof api.promising !== "function") {
  throw new Error("this runtime lacks WebAssembly JSPI (Suspending/promising), which the sandbox needs; use Bun >= 1.4");
}
export const jspi = api as Jspi;

/** An import the guest calls directly: a plain function, or a Suspending wrapper for an async one. */
export type Import = Function | object;
