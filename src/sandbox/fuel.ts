/**
 * The host side of fuel metering: what the injected checkpoint calls when the guest's counter runs out.
 *
 * The guest's `mcp-sidecar.refuel` import is the kernel's `refuel` (./host/kernel.wat), which asks
 * `refuelNow` and only when that answers 0 ("yield first") calls `refuelAfterYield` through a JSPI
 * WebAssembly.Suspending import. Why two: a Suspending import costs ~3.5 µs per call even when it does not
 * suspend (measured, bench/host.bench.ts), and a 4 KB echo refuels 4 times; a yield is due only every
 * YIELD_AFTER_MS.
 *
 * A call that must stop gets a negative allotment rather than an exception: the injected checkpoint then
 * executes `unreachable`, which a guest cannot catch (it could catch a thrown exception with catch_all).
 */
import { CallState } from "./call-state.ts";
import { SandboxError } from "./errors.ts";

/**
 * Fuel handed out per refuel. Small enough that a runaway loop reaches a checkpoint every ~50–200 µs
 * (so deadlines are precise), large enough that the checkpoint's host call is a rounding error for
 * normal work.
 */
export const FUEL_SLICE = 100_000;
/** A guest that has run this long without a pause lets the event loop serve other requests. */
export const YIELD_AFTER_MS = 2;
/** Refuels granted outside any call (a start function running at instantiation), per instance. */
export const INSTANTIATION_REFUELS = 1_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fuel to grant next, or a thrown SandboxError when the budget is spent. */
export function nextGrant(state: CallState): number {
  const budget = state.opts.fuelBudget;
  if (budget === null) return FUEL_SLICE;
  const left = budget - state.fuelGranted;
  if (left <= 0) {
    throw (state.failure = new SandboxError("fuel_exhausted", `the plugin used its whole fuel budget of ${budget} units`));
  }
  return Math.min(FUEL_SLICE, left);
}

/** The next allotment; 0 when the call has run YIELD_AFTER_MS without a pause; -1 when it must stop. */
export function refuelNow(state: CallState): number {
  try {
    const now = performance.now();
    state.check(now);
    if (now - state.lastYield >= YIELD_AFTER_MS) return 0;
    return grant(state);
  } catch (err) {
    return stop(state, err);
  }
}

/** Lets the event loop run (the guest is suspended meanwhile), then answers as refuelNow. */
export async function refuelAfterYield(state: CallState): Promise<number> {
  try {
    await yieldToEventLoop();
    const now = performance.now();
    state.lastYield = now;
    state.check(now);
    return grant(state);
  } catch (err) {
    return stop(state, err);
  }
}

function grant(state: CallState): number {
  const fuel = nextGrant(state);
  state.fuelGranted += fuel;
  return fuel;
}

function stop(state: CallState, err: unknown): number {
  if (!state.failure) state.failure = err instanceof SandboxError ? err : new SandboxError("trap", String(err));
  return -1;
}
