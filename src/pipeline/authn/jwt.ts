/**
 * JWT bearer tokens: verified with jose against the issuer's keys (a JWKS URL, OIDC discovery, or a
 * shared HS secret), `iss` and `aud` checked, `exp` required, then turned into a Principal.
 *
 * The hot path sees only the verified-token cache (./token-cache.ts): a hit returns synchronously. A miss
 * verifies (async WebCrypto). Keys are fetched beside the hot path (./key-set.ts): at start, by a timer,
 * and on an unknown `kid` at most once per `jwksCooldownMs`.
 */
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from "jose";
import type { Logger } from "../../log.ts";
import type { Principal } from "../types.ts";
import type { JwtConfig } from "./config.ts";
import { claimsToPrincipal } from "./claims.ts";
import { RemoteKeySet } from "./key-set.ts";
import { TokenCache } from "./token-cache.ts";

export type JwtOutcome = { ok: true; principal: Principal } | { ok: false; message: string; invalidToken: boolean };

const HS = ["HS256", "HS384", "HS512"];
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** Raised when the issuer's keys cannot be had right now: the token may be fine, so no invalid_token. */
class KeysUnavailable extends Error {}

export class JwtVerifier {
  private readonly cache: TokenCache<JwtOutcome & { ok: true }>;
  private readonly secret: Uint8Array | undefined;
  private readonly algorithms: string[];
  private readonly keys: RemoteKeySet | undefined;
  private readonly verifying = new Map<string, Promise<JwtOutcome>>();
  private jwksUri: string | undefined;
  private discovering: Promise<string> | undefined;
  private lastDiscoveryFailure = -Infinity;

  constructor(
    private readonly cfg: JwtConfig,
    private readonly audience: string,
    private readonly log: Logger,
    /** Makes equal principals one object (./principal-intern.ts); identity by default. */
    private readonly intern: (p: Principal) => Principal = (p) => p,
  ) {
    this.cache = new TokenCache(cfg.cacheMaxEntries);
    this.secret = cfg.secret ? new TextEncoder().encode(cfg.secret) : undefined;
    const remote = !!cfg.jwksUrl || !cfg.secret;
    this.algorithms = cfg.algorithms ?? [...(cfg.secret ? HS : []), ...(remote ? ASYMMETRIC : [])];
    this.jwksUri = cfg.jwksUrl;
    if (remote) {
      this.keys = new RemoteKeySet(
        () => this.discover(),
        { maxAgeMs: cfg.jwksMaxAgeMs, cooldownMs: cfg.jwksCooldownMs, timeoutMs: cfg.jwksTimeoutMs },
        (err) => log.warn("JWKS refresh failed; keeping the last keys", { issuer: cfg.issuer, error: String(err) }),
      );
    }
  }

  /** Fetches the keys once — best effort: an issuer down at start must not keep the gateway down. */
  async start(): Promise<void> {
    try {
      await this.keys?.start();
    } catch (err) {
      this.log.warn("cannot fetch the JWT issuer's keys yet; will retry on the first token", { issuer: this.cfg.issuer, error: String(err) });
    }
  }

  stop(): void {
    this.keys?.stop();
  }

  /** Synchronous on a cache hit. Concurrent misses on one token share a single verification. */
  verify(token: string): JwtOutcome | Promise<JwtOutcome> {
    const hit = this.cache.get(token, Date.now());
    if (hit) return hit;
    let pending = this.verifying.get(token);
    if (!pending) {
      pending = this.verifySlow(token).finally(() => this.verifying.delete(token));
      this.verifying.set(token, pending);
    }
    return pending;
  }

  private async verifySlow(token: string): Promise<JwtOutcome> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header), {
        issuer: this.cfg.issuer,
        audience: this.audience,
        algorithms: this.algorithms,
        clockTolerance: this.cfg.clockToleranceSec,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      return describeFailure(err, this.log);
    }
    const principal = claimsToPrincipal(payload, this.cfg);
    if (typeof principal === "string") return { ok: false, message: principal, invalidToken: true };
    const outcome = { ok: true as const, principal: this.intern(principal) };
    this.cache.set(token, outcome, Math.min(payload.exp! * 1000, Date.now() + this.cfg.cacheMaxTtlMs));
    return outcome;
  }

  private keyFor(header: JWTHeaderParameters): Uint8Array | Promise<CryptoKey> {
    if (HS.includes(header.alg)) {
      // Never verify an HS token with a public key (the classic algorithm-confusion attack).
      if (!this.secret) throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
      return this.secret;
    }
    if (!this.keys) throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
    return this.keys.key(header);
  }

  /** The JWKS URL: configured, or found by discovery (single-flight; after a failure, retried at most
   *  once per cooldown so a down issuer is not asked on every request). */
  private discover(): Promise<string> {
    if (this.jwksUri) return Promise.resolve(this.jwksUri);
    if (performance.now() - this.lastDiscoveryFailure < this.cfg.jwksCooldownMs) {
      return Promise.reject(new KeysUnavailable("issuer discovery failed recently"));
    }
    this.discovering ??= discoverJwksUri(this.cfg.issuer, this.cfg.jwksTimeoutMs)
      .then((uri) => (this.jwksUri = uri))
      .catch((err) => {
        this.lastDiscoveryFailure = performance.now();
        throw new KeysUnavailable(String((err as Error).message ?? err));
      })
      .finally(() => (this.discovering = undefined));
    return this.discovering;
  }
}

/** OIDC discovery (falling back to RFC 8414 metadata): the issuer's jwks_uri. */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const base = issuer.replace(/\/+$/, "");
  for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    if (res.status === 404) continue;
    if (!res.ok) throw new Error(`${base + path} answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
    // OIDC Discovery §4.3: the document must name the issuer we asked, or it is not that issuer's.
    if (doc.issuer !== issuer) throw new Error(`${base + path} names issuer ${JSON.stringify(doc.issuer)}, expected ${JSON.stringify(issuer)}`);
    if (typeof doc.jwks_uri !== "string") throw new Error(`${base + path} has no jwks_uri`);
    return doc.jwks_uri;
  }
  throw new Error(`no OpenID or OAuth metadata under ${base}/.well-known/`);
}

function describeFailure(err: unknown, log: Logger): JwtOutcome {
  if (err instanceof errors.JWTExpired) return { ok: false, message: "token expired", invalidToken: true };
  if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, message: `token ${err.message}`, invalidToken: true };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, message: "token signature verification failed", invalidToken: true };
  if (err instanceof errors.JWKSNoMatchingKey) return { ok: false, message: "no key of the issuer matches the token", invalidToken: true };
  if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, message: "token algorithm not allowed", invalidToken: true };
  if (err instanceof errors.JWKSTimeout || err instanceof KeysUnavailable || err instanceof TypeError || err instanceof errors.JWKSInvalid) {
    log.warn("cannot verify a token: the issuer's keys are unavailable", { error: String(err) });
    return { ok: false, message: "cannot verify the token right now: the issuer's keys are unavailable", invalidToken: false };
  }
  if (err instanceof errors.JOSEError) return { ok: false, message: "malformed token", invalidToken: true };
  log.warn("unexpected error verifying a token", { error: String(err) });
  return { ok: false, message: "token could not be verified", invalidToken: true };
}
