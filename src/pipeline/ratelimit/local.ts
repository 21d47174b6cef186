/**
 * The local decision (the default, and the fallback while Redis is away) and the refusal every mode shares.
 *
 * A call spends one token of each budget that applies (tenant, principal, tool) or of none: all budgets are
 * checked first and spent only if every one has room, so a refusal by the tool budget does not also eat
 * into the tenant's. The pass path allocates nothing: the budgets exist, PASS is a frozen constant.
 */
import type { Counter } from "../../metrics/registry.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { PASS, type Outcome } from "../types.ts";
import { spend, waitMs, type Budget, type Scope } from "./gcra.ts";

/** Builds the JSON-RPC refusal (-32013 with data.retryAfterMs) and counts it per scope. */
export class Refuser {
  /** Label objects made once, so counting a refusal does not allocate them. */
  private readonly labels: Record<Scope, { scope: Scope }> = {
    tenant: { scope: "tenant" },
    principal: { scope: "principal" },
    tool: { scope: "tool" },
  };

  constructor(private readonly counter: Counter) {}

  refuse(b: Budget, waitMs: number, shared: boolean): Outcome {
    this.counter.inc(this.labels[b.scope]);
    const retryAfterMs = Math.max(1, Math.ceil(waitMs));
    const { rate, burst } = b.limit;
    const where = shared ? "shared across replicas" : "this replica";
    // A refusal is the flood path: skip capturing a stack trace nobody reads (about half its cost).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const error = new GatewayError(
      "rate_limited",
      `Rate limit exceeded: the budget of ${b.label} (${rate}/s, burst ${burst}, ${where}) is spent; retry after ${retryAfterMs} ms`,
      { retryAfterMs, scope: b.scope, limit: { rate, burst } },
    );
    Error.stackTraceLimit = stackTraceLimit;
    return { kind: "reject", error, outcome: "rate_limited" };
  }
}

/** Decides with the in-process GCRA buckets; any argument may be undefined (that budget is not configured). */
export function checkLocal(refuser: Refuser, now: number, a: Budget | undefined, b: Budget | undefined, c: Budget | undefined): Outcome {
  let worst: Budget | undefined;
  let wait = 0;
  if (a !== undefined) {
    const w = waitMs(a, now);
    if (w > wait) (wait = w), (worst = a);
  }
  if (b !== undefined) {
    const w = waitMs(b, now);
    if (w > wait) (wait = w), (worst = b);
  }
  if (c !== undefined) {
    const w = waitMs(c, now);
    if (w > wait) (wait = w), (worst = c);
  }
  // The longest wait is the one that matters: retrying earlier would be refused by that budget again.
  if (worst !== undefined) return refuser.refuse(worst, wait, false);
  if (a !== undefined) spend(a, now);
  if (b !== undefined) spend(b, now);
  if (c !== undefined) spend(c, now);
  return PASS;
}
