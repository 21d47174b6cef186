/**
 * Which budgets apply to a call, resolved from the one `rateLimit` config section.
 *
 * One Map per scope keyed by the strings the Call already carries (tenant id, principal id, tool name), so a
 * lookup on the hot path builds no key string: a known key costs a Map.get and allocates nothing. Budgets are
 * created on first use with their limit resolved once (most specific wins) and dropped by `sweep` when idle.
 */
import type { Principal, Target } from "../types.ts";
import type { LimitConfig, RateLimitConfig } from "./config.ts";
import { Budget, isIdle, makeLimit, type Limit } from "./gcra.ts";

export class BudgetTable {
  private readonly tenants = new Map<string, Budget>();
  private readonly principals = new Map<string, Budget>();
  /** tenant id ("" when toolScope is global) -> tool name -> budget */
  private readonly tools = new Map<string, Map<string, Budget>>();

  private readonly tenantDefault: Limit | undefined;
  private readonly tenantOverrides: Map<string, Limit>;
  private readonly principalDefault: Limit | undefined;
  private readonly principalOverrides: Map<string, Limit>;
  private readonly toolDefault: Limit | undefined;
  private readonly riskDefaults: Map<string, Limit>;
  private readonly toolOverrides: Map<string, Limit>;
  private readonly globalTools: boolean;

  constructor(cfg: RateLimitConfig) {
    const leaseMs = cfg.redis?.leaseMs ?? 100;
    const one = (l: LimitConfig | undefined) => (l ? makeLimit(l, leaseMs) : undefined);
    const many = (r: Record<string, LimitConfig | undefined>) =>
      new Map(Object.entries(r).flatMap(([k, l]) => (l ? [[k, makeLimit(l, leaseMs)] as const] : [])));
    this.tenantDefault = one(cfg.tenant);
    this.tenantOverrides = many(cfg.tenants);
    this.principalDefault = one(cfg.principal);
    this.principalOverrides = many(cfg.principals);
    this.toolDefault = one(cfg.tool);
    this.riskDefaults = many(cfg.risk);
    this.toolOverrides = many(cfg.tools);
    this.globalTools = cfg.toolScope === "global";
  }

  /** True when no budget is configured at all: the stage is then left out of the chain. */
  get empty(): boolean {
    return (
      !this.tenantDefault && !this.tenantOverrides.size && !this.principalDefault && !this.principalOverrides.size &&
      !this.toolDefault && !this.riskDefaults.size && !this.toolOverrides.size
    );
  }

  tenant(tenant: string): Budget | undefined {
    const b = this.tenants.get(tenant);
    if (b !== undefined) return b;
    const limit = this.tenantOverrides.get(tenant) ?? this.tenantDefault;
    if (!limit) return undefined;
    const created = new Budget("tenant", `tenant "${tenant}"`, `t:${tenant}`, limit);
    this.tenants.set(tenant, created);
    return created;
  }

  principal(p: Principal): Budget | undefined {
    const b = this.principals.get(p.id);
    if (b !== undefined) return b;
    const limit = this.principalOverrides.get(p.id) ?? this.principalDefault;
    if (!limit) return undefined;
    const created = new Budget("principal", `principal "${p.id}"`, `p:${p.id}`, limit);
    this.principals.set(p.id, created);
    return created;
  }

  /** Only tools known to the catalog get a budget, so made-up tool names cannot grow the table. */
  tool(tenant: string, target: Target | undefined): Budget | undefined {
    if (target === undefined || target.kind !== "tool") return undefined;
    const owner = this.globalTools ? "" : tenant;
    let perTenant = this.tools.get(owner);
    const b = perTenant?.get(target.name);
    if (b !== undefined) return b;
    const limit = this.toolOverrides.get(target.name) ?? this.riskDefaults.get(target.risk) ?? this.toolDefault;
    if (!limit) return undefined;
    if (!perTenant) this.tools.set(owner, (perTenant = new Map()));
    const label = this.globalTools ? `tool "${target.name}"` : `tool "${target.name}" for tenant "${tenant}"`;
    // Length-prefixed tenant so that no (tenant, tool) pair can spell another's key.
    const key = this.globalTools ? `x:g:${target.name}` : `x:${tenant.length}:${tenant}:${target.name}`;
    const created = new Budget("tool", label, key, limit);
    perTenant.set(target.name, created);
    return created;
  }

  *all(): IterableIterator<Budget> {
    yield* this.tenants.values();
    yield* this.principals.values();
    for (const m of this.tools.values()) yield* m.values();
  }

  get size(): number {
    let n = this.tenants.size + this.principals.size;
    for (const m of this.tools.values()) n += m.size;
    return n;
  }

  /** Drops budgets that are full and hold no lease: recreating one later is indistinguishable. */
  sweep(now: number): void {
    for (const [k, b] of this.tenants) if (isIdle(b, now)) this.tenants.delete(k);
    for (const [k, b] of this.principals) if (isIdle(b, now)) this.principals.delete(k);
    for (const [owner, m] of this.tools) {
      for (const [k, b] of m) if (isIdle(b, now)) m.delete(k);
      if (m.size === 0) this.tools.delete(owner);
    }
  }
}
