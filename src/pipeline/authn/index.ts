/**
 * Authentication: turns a request's credentials into the Principal every later stage reads.
 *
 *   Authorization: Bearer mcps_<id>_<secret>   API key (also accepted as `x-api-key`)
 *   Authorization: Bearer <JWT>                access token of the configured issuer
 *   x-forwarded-client-cert: …URI=spiffe://…   peer workload, only when auth.mesh.trustXfcc
 *   nothing                                    anonymous, only when allowed (see config.ts)
 *
 * The token decides the user and tenant; the mesh adds the agent (the workload making the call). A
 * credential that is presented and bad is always a 401 — never silently downgraded to anonymous.
 * Everything on the hot path is in memory: keys (./key-cache.ts), verified tokens (./token-cache.ts).
 * The transports keep credentials to themselves: plugins and upstreams receive arguments, never headers.
 */
import { ConfigError } from "../../config/load.ts";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../log.ts";
import { ANONYMOUS, type AuthRequest, type AuthResult, type Authenticator } from "../chain.ts";
import type { Principal } from "../types.ts";
import { KEY_PREFIX, parseApiKey, secretMatches } from "./api-key.ts";
import { ApiKeyCache } from "./key-cache.ts";
import type { StorageConfig } from "../../storage/config.ts";
import type { ApiKeyStore } from "../../ports/api-key-store.ts";
import { JwtVerifier } from "./jwt.ts";
import { meshIdentity } from "./mesh.ts";
import { ResourceMetadata } from "./resource-metadata.ts";
import { PrincipalInterner } from "./principal-intern.ts";

export interface AuthenticatorDeps {
  config: Config;
  log: Logger;
  /** Opens the key store the storage config names (injected by the composition root: src/core.ts). */
  openKeyStore?: (storage: StorageConfig) => Promise<ApiKeyStore>;
  /** An already open store (tests). */
  keyStore?: ApiKeyStore;
}

export interface BuiltAuthenticator {
  authenticator: Authenticator;
  routes: Record<string, (req: Request) => Response | Promise<Response>>;
  /** The in-memory key set, when API keys are enabled (reload() after creating a key to skip the wait). */
  keys: ApiKeyCache | undefined;
  close(): Promise<void>;
}

const ANONYMOUS_RESULT: AuthResult = Object.freeze({ ok: true as const, principal: ANONYMOUS });

/** 127.0.0.0/8, ::1 and localhost: only processes on this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export async function createAuthenticator(deps: AuthenticatorDeps): Promise<BuiltAuthenticator> {
  const { config, log } = deps;
  const cfg = config.auth;
  const loopback = isLoopback(config.server.host);
  const meshAuthenticates = cfg.mesh.trustXfcc && cfg.mesh.allowWithoutToken;
  const metadata = new ResourceMetadata(cfg);
  // Equal identities share one Principal object, whatever credential or peer built them: later stages
  // (the policy decision cache) key on the object.
  const principals = new PrincipalInterner();
  const intern = (p: Principal) => principals.intern(p);

  let anonymous = cfg.anonymous ?? false;
  // Implicit anonymous access: loopback and nothing configured. Re-decided on every key reload, so the
  // first key created (by the CLI, while running) switches enforcement on; it never switches back off.
  const decideAnonymous = () => {
    if (cfg.anonymous !== undefined) return;
    const next = loopback && !cfg.jwt && !meshAuthenticates && !keys?.anyCreated;
    if (anonymous && !next) log.info("API keys exist now: anonymous access is off (set auth.anonymous: true to keep it)");
    anonymous = next;
  };

  let store: ApiKeyStore | undefined;
  let keys: ApiKeyCache | undefined;
  let jwt: JwtVerifier | undefined;
  const close = async () => {
    keys?.stop();
    jwt?.stop();
    await store?.close();
  };
  try {
    if (cfg.apiKeys.enabled) {
      if (!deps.keyStore && !deps.openKeyStore) throw new Error("auth.apiKeys is enabled but no key store adapter was provided");
      store = deps.keyStore ?? (await deps.openKeyStore!(config.storage));
      keys = new ApiKeyCache(store, cfg.apiKeys, log, decideAnonymous, intern);
      await keys.start();
    }
    decideAnonymous();
    if (!loopback && cfg.anonymous === undefined && !cfg.jwt && !meshAuthenticates && !keys?.anyCreated) {
      throw new ConfigError(
        `refusing to serve ${config.server.host} (not a loopback address) without authentication: ` +
          "create an API key (mcp-sidecar keys create --tenant T), configure auth.jwt or auth.mesh, " +
          "or set auth.anonymous: true to accept anyone",
      );
    }
    if (cfg.jwt) {
      jwt = new JwtVerifier(cfg.jwt, cfg.jwt.audience ?? cfg.resource!, log, intern);
      await jwt.start();
    }
  } catch (err) {
    await close();
    throw err;
  }
  if (cfg.anonymous === false && !cfg.jwt && !keys?.anyCreated && !meshAuthenticates) {
    log.warn("auth.anonymous is false and no credential is configured yet: every request will be refused until a key is created");
  }
  log.info("authentication ready", {
    apiKeys: keys ? keys.size : "disabled",
    jwt: cfg.jwt?.issuer ?? "off",
    mesh: cfg.mesh.trustXfcc ? "trusted" : "ignored",
    anonymous,
  });

  const refuse = (headers: Headers, message: string, error?: "invalid_token" | "invalid_request"): AuthResult => ({
    ok: false,
    status: 401,
    message: `Unauthorized: ${message}`,
    wwwAuthenticate: metadata.challenge(headers, error ? { code: error, description: message } : undefined),
  });

  const byApiKey = (credential: string, headers: Headers): AuthResult | Promise<AuthResult> => {
    if (!keys) return refuse(headers, "API keys are not enabled on this server", "invalid_token");
    const parsed = parseApiKey(credential);
    if (!parsed) return refuse(headers, "malformed API key", "invalid_token");
    const check = (): AuthResult => {
      const key = keys!.get(parsed.id);
      // One message for unknown, revoked and wrong secret: nothing to learn about which ids exist.
      return key && secretMatches(parsed.secret, key.hash) ? key.result : refuse(headers, "invalid or revoked API key", "invalid_token");
    };
    if (keys.get(parsed.id)) return check();
    const reloading = keys.reloadForMiss();
    return reloading === false ? check() : reloading.then(check);
  };

  const byJwt = (token: string, headers: Headers): AuthResult | Promise<AuthResult> => {
    if (!jwt) return refuse(headers, "bearer tokens are not accepted here (no auth.jwt configured)", "invalid_token");
    const mapped = (r: Awaited<ReturnType<JwtVerifier["verify"]>>): AuthResult =>
      r.ok ? r : refuse(headers, r.message, r.invalidToken ? "invalid_token" : undefined);
    const outcome = jwt.verify(token);
    return outcome instanceof Promise ? outcome.then(mapped) : outcome.ok ? outcome : mapped(outcome);
  };

  const meshPrincipals = new Map<string, AuthResult>();
  const meshOnly = (spiffeId: string, trustDomain: string): AuthResult => {
    let result = meshPrincipals.get(spiffeId);
    if (!result) {
      if (meshPrincipals.size >= 1000) meshPrincipals.clear();
      const principal: Principal = intern(Object.freeze({
        id: `mesh:${spiffeId}`,
        tenant: cfg.mesh.tenant,
        agent: spiffeId,
        roles: Object.freeze([]) as readonly string[],
        method: "mesh" as const,
        attributes: Object.freeze({ spiffeId, trustDomain }),
      }));
      meshPrincipals.set(spiffeId, (result = Object.freeze({ ok: true as const, principal })));
    }
    return result;
  };

  // User from the credential, agent from the mesh. The agent is part of the id, so a session opened
  // through one workload cannot be picked up through another with the same user token. Combined
  // principals are memoised per (cached principal, peer): a hit allocates nothing (~8 µs -> <1 µs).
  const combined = new WeakMap<Principal, Map<string, AuthResult>>();
  const withAgent = (result: AuthResult, spiffeId: string, trustDomain: string): AuthResult => {
    if (!result.ok) return result;
    const p = result.principal;
    let byPeer = combined.get(p);
    if (!byPeer) combined.set(p, (byPeer = new Map()));
    let out = byPeer.get(spiffeId);
    if (!out) {
      if (byPeer.size >= 64) byPeer.clear();
      const principal = intern(Object.freeze({ ...p, id: `${p.id}#${spiffeId}`, agent: spiffeId, attributes: Object.freeze({ ...p.attributes, spiffeId, trustDomain }) }));
      byPeer.set(spiffeId, (out = Object.freeze({ ok: true as const, principal })));
    }
    return out;
  };

  // The local Envoy sends the same header for every request of a connection: remember recent parses.
  const parsedXfcc = new Map<string, ReturnType<typeof meshIdentity>>();
  const peerOf = (xfcc: string) => {
    let identity = parsedXfcc.get(xfcc);
    if (!identity) {
      if (parsedXfcc.size >= 1000) parsedXfcc.clear();
      parsedXfcc.set(xfcc, (identity = meshIdentity(xfcc, cfg.mesh.trustDomains)));
    }
    return identity;
  };

  const authenticator: Authenticator = {
    authenticate({ headers }: AuthRequest): AuthResult | Promise<AuthResult> {
      let peer: { spiffeId: string; trustDomain: string } | undefined;
      if (cfg.mesh.trustXfcc) {
        // Untrusted, the header is not even read: a client reaching us directly could have written it.
        const xfcc = headers.get("x-forwarded-client-cert");
        if (xfcc !== null) {
          const identity = peerOf(xfcc);
          if (!identity.ok) return { ok: false, status: 403, message: `Forbidden: ${identity.message}` };
          peer = identity;
        }
      }
      let credential: string | null;
      const authorization = headers.get("authorization");
      if (authorization !== null) {
        if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== "bearer ") {
          return refuse(headers, "the Authorization header must use the Bearer scheme", "invalid_request");
        }
        credential = authorization.slice(7).trim();
      } else credential = headers.get("x-api-key");

      if (!credential) {
        if (peer && cfg.mesh.allowWithoutToken) return meshOnly(peer.spiffeId, peer.trustDomain);
        if (anonymous) return peer ? withAgent(ANONYMOUS_RESULT, peer.spiffeId, peer.trustDomain) : ANONYMOUS_RESULT;
        return refuse(headers, "credentials required (an API key or a bearer token)");
      }
      const result = credential.startsWith(KEY_PREFIX) ? byApiKey(credential, headers) : byJwt(credential, headers);
      if (!peer) return result;
      const { spiffeId, trustDomain } = peer;
      return result instanceof Promise ? result.then((r) => withAgent(r, spiffeId, trustDomain)) : withAgent(result, spiffeId, trustDomain);
    },
  };

  return { authenticator, routes: metadata.routes(), keys, close };
}
