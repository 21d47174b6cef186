/**
 * The host side of fuel metering: what the injected checkpoint calls when the guest's counter runs out.
 */
import type { CallContext } from "@extism/extism";
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

/** Refuels granted outside any call (a start function running at instantiation), per instance. */
const INSTANTIATION_REFUELS = 1_000;
const instantiationRefuels = new WeakMap<CallContext, number>();

/**
 * Async on purpose: the Extism SDK wraps async host functions with JSPI's WebAssembly.Suspending, which lets
 * this function pause the guest's stack and return to the event loop mid-call.
 *
 * A call that must stop gets a negative allotment rather than an exception: the injected checkpoint then
 * executes `unreachable`, which a guest cannot catch (it could catch a thrown exception with catch_all).
 */
export async function refuel(context: CallContext): Promise<bigint> {
  const state = context.hostContext<CallState | undefined>();
  if (!state) return instantiationGrant(context);
  let now = performance.now();
  try {
    state.check(now);
    const grant = nextGrant(state);
    state.fuelGranted += grant;
    if (now - state.lastYield >= YIELD_AFTER_MS) {
      await yieldToEventLoop();
      now = performance.now();
      state.lastYield = now;
      state.check(now);
    }
    return BigInt(grant);
  } catch (err) {
    if (!state.failure) state.failure = err instanceof SandboxError ? err : new SandboxError("trap", String(err));
    return -1n;
  }
}

/** A module's start function runs before any call exists; it gets a bounded budget, then is stopped. */
function instantiationGrant(context: CallContext): bigint {
  const used = (instantiationRefuels.get(context) ?? 0) + 1;
  instantiationRefuels.set(context, used);
  return used > INSTANTIATION_REFUELS ? -1n : BigInt(FUEL_SLICE);
}
