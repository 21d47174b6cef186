/**
 * Verified token claims -> Principal. Tenant and roles come from configured claims (default `tenant`
 * and `roles`), the user is `sub`. The principal id is issuer-qualified: two issuers may both have an
 * "alice", and sessions are bound to this id.
 *
 * The attributes are the claims minus those describing one token rather than the identity (exp, iat, nbf,
 * jti): a refreshed token for the same user, tenant and roles is then the same principal (./principal-
 * intern.ts), and keeps its cached policy decisions.
 */
import type { JWTPayload } from "jose";
import type { Principal } from "../types.ts";
import type { JwtConfig } from "./config.ts";

/** The Principal, or why the claims do not make one. */
export function claimsToPrincipal(claims: JWTPayload, cfg: Pick<JwtConfig, "tenantClaim" | "defaultTenant" | "rolesClaim">): Principal | string {
  const sub = claims.sub;
  if (typeof sub !== "string" || sub === "") return 'token has no "sub" claim';
  const rawTenant = claims[cfg.tenantClaim] ?? cfg.defaultTenant;
  if (typeof rawTenant !== "string" || rawTenant === "") return `token has no "${cfg.tenantClaim}" claim naming its tenant`;
  const roles = parseRoles(claims[cfg.rolesClaim]);
  if (roles === null) return `token's "${cfg.rolesClaim}" claim is neither a list of strings nor a string`;
  return Object.freeze({
    id: `jwt:${claims.iss}|${sub}`,
    tenant: rawTenant,
    user: sub,
    roles: Object.freeze(roles),
    method: "jwt" as const,
    attributes: Object.freeze(identityClaims(claims)),
  });
}

const PER_TOKEN_CLAIMS = new Set(["exp", "iat", "nbf", "jti"]);

function identityClaims(claims: JWTPayload): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) if (!PER_TOKEN_CLAIMS.has(k)) out[k] = v;
  return out;
}

function parseRoles(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((r) => typeof r === "string")) return [...value];
  return null;
}
