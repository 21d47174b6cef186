/**
 * Deciding: a compiled, immutable policy set (a reload builds a new one and swaps it in whole).
 *
 * Combining: deny overrides require_approval overrides allow; within one effect, higher `priority` first,
 * then file order — so the first matching policy in that order is the decision, and evaluation stops
 * there. No matching allow means deny, reported as policy "default-deny".
 *
 * Cost: conditions that read only principal/action/resource ("static") are evaluated once per
 * (principal, method, target) and cached: the cache keeps, in decision order, the policies that may still
 * match — static ones that did, plus the dynamic ones (reading `context` or `now`) whose static conjuncts
 * held — and only those are looked at per call, with their time windows. With the shipped defaults an
 * authenticated caller's cached decision is a few Map lookups (bench/policy.bench.ts).
 *
 * Errors while evaluating (e.g. a missing argument key) fail closed: a deny or require_approval condition
 * that cannot be evaluated counts as matching (its reason says so), an allow as not matching. For list
 * visibility (`listing`), where there are no arguments yet, a failing dynamic condition is resolved in
 * favour of showing the item: the call itself is still decided with the real arguments.
 */
import type { CallSource, Decision, Effect, Principal, Target } from "../types.ts";
import { contextView, principalView, resourceView, type Activation, type Condition } from "./cel.ts";
import type { TimeWindow } from "./window.ts";

export interface CompiledPolicy {
  readonly id: string;
  readonly description: string;
  readonly effect: Effect;
  /** 0 deny, 1 require_approval, 2 allow: the combining order. */
  readonly rank: number;
  readonly priority: number;
  readonly methods: readonly string[] | undefined;
  readonly window: TimeWindow | undefined;
  readonly dynamic: boolean;
  readonly test: Condition;
  /** The static conjuncts of a dynamic condition (see cel.ts): false there means it cannot match. */
  readonly guard?: Condition;
  /** From a `mode: shadow` file: recorded in decision.shadow, never enforced. */
  readonly shadow: boolean;
  readonly approval: { approvers: number; grantMinutes?: number } | undefined;
  readonly file: string;
  readonly line: number;
}

export interface DecisionInput {
  principal: Principal;
  method: string;
  target: Target;
  args: Record<string, unknown> | undefined;
  source: CallSource;
  nowMs: number;
  /** Deciding visibility for a list method, before any arguments exist. */
  listing?: boolean;
}

/** A policy still in the running for a (principal, method, target), with a static evaluation error if any. */
interface Candidate {
  policy: CompiledPolicy;
  error?: string;
}
interface CacheEntry {
  kind: string;
  plugin: string | undefined;
  risk: string;
  tags: readonly string[];
  candidates: Candidate[];
}

export const DEFAULT_DENY_ID = "default-deny";

export class PolicySet {
  /** Methods -> policies that apply, in decision order. */
  private readonly byMethod = new Map<string, CompiledPolicy[]>();
  private readonly byId = new Map<string, CompiledPolicy>();
  private readonly cache = new WeakMap<Principal, Map<string, Map<string, CacheEntry>>>();
  private readonly cacheSize = new WeakMap<Principal, number>();
  /** Decision-cache lookups that found / did not find the (principal, method, target) entry (a metric). */
  cacheHits = 0;
  cacheMisses = 0;
  readonly hasShadow: boolean;

  constructor(
    readonly policies: readonly CompiledPolicy[],
    private readonly maxEntriesPerPrincipal = 1024,
  ) {
    const ordered = policies
      .map((p, order) => ({ p, order }))
      .sort((a, b) => a.p.rank - b.p.rank || b.p.priority - a.p.priority || a.order - b.order)
      .map((x) => x.p);
    for (const method of ["tools/call", "prompts/get", "resources/read", "resources/subscribe"]) {
      this.byMethod.set(method, ordered.filter((p) => !p.methods || p.methods.includes(method)));
    }
    this.hasShadow = policies.some((p) => p.shadow);
    for (const p of policies) this.byId.set(p.id, p);
  }

  /** The policy behind a decision (for what an approval needs); undefined for "default-deny". */
  policy(id: string): CompiledPolicy | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.policies.length;
  }

  decide(input: DecisionInput): Decision {
    const candidates = this.candidates(input);
    let activation: Activation | undefined;
    let enforced: Decision | undefined;
    let shadow: Decision | undefined;
    for (const c of candidates) {
      const p = c.policy;
      if (p.window && !p.window.contains(input.nowMs)) continue;
      let error = c.error;
      if (p.dynamic) {
        activation ??= activationOf(input);
        const r = evaluate(p, activation, input.listing === true);
        if (!r.matched) continue;
        error = r.error;
      }
      const d = decisionOf(p, error);
      if (p.shadow) {
        shadow ??= d;
        continue;
      }
      enforced = d;
      break;
    }
    enforced ??= defaultDeny(input);
    if (!this.hasShadow) return enforced;
    const s = shadow ?? enforced;
    return { ...enforced, shadow: { effect: s.effect, policyId: s.policyId, reason: s.reason } };
  }

  /** The cached candidate list for (principal, method, target), filled on first use. */
  private candidates(input: DecisionInput): Candidate[] {
    const { principal, method, target } = input;
    let perPrincipal = this.cache.get(principal);
    let perMethod = perPrincipal?.get(method);
    const hit = perMethod?.get(target.name);
    // The catalog may reload a tool under the same name with other risk/tags: those arrays are the
    // provider's own, so an identity check tells whether the entry still describes this target.
    if (hit && hit.tags === target.tags && hit.risk === target.risk && hit.kind === target.kind && hit.plugin === target.plugin) {
      this.cacheHits++;
      return hit.candidates;
    }
    this.cacheMisses++;
    const policies = this.byMethod.get(method) ?? [];
    const candidates: Candidate[] = [];
    let activation: Activation | undefined;
    for (const p of policies) {
      activation ??= activationOf(input);
      if (p.dynamic) {
        if (!p.guard || guardHolds(p.guard, activation)) candidates.push({ policy: p });
        continue;
      }
      const r = evaluate(p, activation, false);
      if (r.matched) candidates.push(r.error ? { policy: p, error: r.error } : { policy: p });
    }
    if (this.maxEntriesPerPrincipal > 0) {
      if (!perPrincipal) this.cache.set(principal, (perPrincipal = new Map()));
      let size = this.cacheSize.get(principal) ?? 0;
      if (size >= this.maxEntriesPerPrincipal) {
        perPrincipal.clear();
        size = 0;
        perMethod = undefined;
      }
      if (!perMethod) perPrincipal.set(method, (perMethod = perPrincipal.get(method) ?? new Map()));
      perMethod.set(target.name, { kind: target.kind, plugin: target.plugin, risk: target.risk, tags: target.tags, candidates });
      this.cacheSize.set(principal, size + 1);
    }
    return candidates;
  }
}

function activationOf(input: DecisionInput): Activation {
  return {
    principal: principalView(input.principal),
    action: { method: input.method },
    resource: resourceView(input.target),
    context: contextView(input.listing ? undefined : input.args, input.source),
    // Built only if a condition reads it.
    get now() {
      return new Date(input.nowMs);
    },
  };
}

/** A guard that errs is "unknown": the full condition decides on each call, as if there were no guard. */
function guardHolds(guard: Condition, activation: Activation): boolean {
  try {
    return guard(activation) !== false;
  } catch {
    return true;
  }
}

function evaluate(p: CompiledPolicy, activation: Activation, listing: boolean): { matched: boolean; error?: string } {
  try {
    return { matched: p.test(activation) === true };
  } catch (err) {
    if (listing) return { matched: p.effect === "allow" };
    return { matched: p.effect !== "allow", error: (err as Error).message.split("\n")[0] };
  }
}

/** Decisions of a policy are the same object every time it matches cleanly (no per-call allocation). */
const decisions = new WeakMap<CompiledPolicy, Decision>();

function decisionOf(p: CompiledPolicy, error: string | undefined): Decision {
  if (error) return { effect: p.effect, policyId: p.id, reason: `${p.description} (condition could not be evaluated: ${error}; counted as matching, failing closed)` };
  let d = decisions.get(p);
  if (!d) decisions.set(p, (d = Object.freeze({ effect: p.effect, policyId: p.id, reason: p.description })));
  return d;
}

function defaultDeny(input: DecisionInput): Decision {
  const t = input.target;
  return {
    effect: "deny",
    policyId: DEFAULT_DENY_ID,
    reason: `no policy allows ${input.method} on ${t.kind} "${t.name}" (${t.risk}) for principal ${input.principal.id} (tenant ${input.principal.tenant}); everything not explicitly allowed is denied`,
  };
}
