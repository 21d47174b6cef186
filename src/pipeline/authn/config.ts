/**
 * Configuration of authentication (the `auth:` section). Three credential kinds can be on at once:
 * API keys (stored hashed in SQLite/Postgres), JWT bearer tokens (an OAuth 2.1 authorization server's
 * access tokens, checked against this server's canonical URI as audience) and the mesh identity Envoy
 * forwards in x-forwarded-client-cert. Anonymous access is a separate, explicit switch.
 */
import { z } from "zod";

export const JWT_ALGORITHMS = [
  "HS256", "HS384", "HS512",
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
  "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
] as const;

const jwtConfigSchema = z
  .object({
    /** Expected `iss`; also where OIDC discovery looks (issuer + /.well-known/openid-configuration). */
    issuer: z.string().min(1),
    /** Expected `aud`. Defaults to auth.resource: RFC 8707 audience = this server's canonical URI. */
    audience: z.string().min(1).optional(),
    /** Where the issuer's public keys are. Without it (and without `secret`) they come from OIDC discovery. */
    jwksUrl: z.url().optional(),
    /** Shared secret for HS256/384/512 tokens (at least 32 bytes; prefer the environment to the file). */
    secret: z.string().min(32).optional(),
    /** Accepted `alg` values; default: HS* when `secret` is set, the asymmetric ones when keys are remote. */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional(),
    /** Claim naming the principal's tenant; a token without it is refused unless defaultTenant is set. */
    tenantClaim: z.string().min(1).default("tenant"),
    defaultTenant: z.string().min(1).optional(),
    /** Claim holding the roles: an array of strings, or one space- or comma-separated string. */
    rolesClaim: z.string().min(1).default("roles"),
    clockToleranceSec: z.number().int().min(0).max(300).default(30),
    /** Verified-token cache: entries (two generations of half this size) and the longest an entry lives. */
    cacheMaxEntries: z.number().int().min(2).default(10_000),
    cacheMaxTtlMs: z.number().int().positive().default(5 * 60_000),
    /** Key set refresh: age after which it is refetched, and the least time between two fetches
     *  triggered by an unknown `kid` (so forged kids cannot make us hammer the issuer). */
    jwksMaxAgeMs: z.number().int().positive().default(10 * 60_000),
    jwksCooldownMs: z.number().int().min(0).default(30_000),
    jwksTimeoutMs: z.number().int().positive().default(5_000),
  })
  .strict();

export const authConfigSchema = z
  .object({
    /**
     * Accept requests without credentials as the anonymous principal (tenant "default"). Unset means: only
     * while the server binds a loopback address and no credential kind is configured (no JWT, no API key
     * ever created, no trusted mesh). Binding a routable address with nothing configured and this unset is
     * a startup error.
     */
    anonymous: z.boolean().optional(),
    /** This server's canonical URI (e.g. https://mcp.example.com/mcp): the JWT audience and the
     *  `resource` of the protected-resource metadata. Default: derived from the request's Host. */
    resource: z.url().optional(),
    /** Authorization servers advertised in /.well-known/oauth-protected-resource (default: [jwt.issuer]). */
    authorizationServers: z.array(z.string().min(1)).optional(),
    scopesSupported: z.array(z.string().min(1)).default([]),
    apiKeys: z
      .object({
        enabled: z.boolean().default(true),
        /** Keys live in memory and are reloaded this often: a revocation takes effect within it. */
        refreshIntervalMs: z.number().int().min(100).default(5_000),
        /** An unknown key id triggers a reload (to pick up a key created a moment ago) at most this often. */
        missReloadIntervalMs: z.number().int().min(0).default(1_000),
      })
      .strict()
      .prefault({}),
    jwt: jwtConfigSchema.optional(),
    mesh: z
      .object({
        /** Trust x-forwarded-client-cert (set by the local Envoy/Istio sidecar). Never on by default:
         *  anyone who can reach the port directly could forge the header. */
        trustXfcc: z.boolean().default(false),
        /** SPIFFE trust domains accepted from the mesh (empty: any). */
        trustDomains: z.array(z.string().min(1)).default([]),
        /** A peer identity alone (no token, no key) authenticates, as a principal of this tenant. */
        allowWithoutToken: z.boolean().default(true),
        tenant: z.string().min(1).default("default"),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.jwt && !cfg.jwt.audience && !cfg.resource) {
      ctx.addIssue({ code: "custom", path: ["resource"], message: "auth.resource (this server's canonical URI) or auth.jwt.audience is required when auth.jwt is set" });
    }
  });

export type AuthConfig = z.infer<typeof authConfigSchema>;
export type JwtConfig = z.infer<typeof jwtConfigSchema>;
