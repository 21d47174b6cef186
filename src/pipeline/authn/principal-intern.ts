/**
 * One Principal object per identity. Later stages key their caches on the principal object (the policy
 * decision cache, CEL views: src/pipeline/policy), so two equal principals built apart — a refreshed token
 * for the same user and roles, a mesh peer combined with it again, an API key after the key set reloads —
 * must come out as the same object, or every such call misses those caches.
 *
 * Interning runs only where authentication builds a principal anyway (a token verified, a key set loaded,
 * a new peer combination), never on a cache hit. Equal means equal in everything a policy can read: id,
 * tenant, user, agent, roles (in order) and attributes (key order ignored). A changed role or claim is a
 * different identity, so it can never be handed a decision cached for the old one.
 *
 * Bounded like the token cache (two generations): an evicted identity is simply built afresh.
 */
import type { Principal } from "../types.ts";
import { TokenCache } from "./token-cache.ts";

export class PrincipalInterner {
  private readonly known: TokenCache<Principal>;

  constructor(maxEntries = 10_000) {
    this.known = new TokenCache(maxEntries);
  }

  /** The principal already known with exactly these contents, or `p` (remembered from now on). */
  intern(p: Principal): Principal {
    const key = identityKey(p);
    const known = this.known.get(key, 0);
    if (known !== undefined) return known;
    this.known.set(key, p, Infinity);
    return p;
  }
}

function identityKey(p: Principal): string {
  return canonicalJson([p.id, p.tenant, p.user ?? null, p.agent ?? null, p.method, p.roles, p.attributes]);
}

/** JSON with object keys sorted, so two tokens listing the same claims in another order agree. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
