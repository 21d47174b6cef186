/**
 * The issuer's public keys, fetched beside the hot path and rotated safely.
 *
 * jose's createRemoteJWKSet counts its cooldown from the last fetch of any kind, so a key rotated in
 * within the cooldown of the scheduled refresh would be refused until it ends. Here the two are apart:
 *  - a timer refetches every maxAge/2, so keys never go stale on the request path;
 *  - a token with an unknown `kid` triggers a refetch only if no *kid-triggered* refetch ran within the
 *    cooldown: the first token signed by a freshly rotated key gets through, while a stream of made-up
 *    kids costs the issuer at most one fetch per cooldown.
 * Fetches are single-flight. The key set itself is jose's createLocalJWKSet (kid/alg/use matching).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTHeaderParameters } from "jose";

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class RemoteKeySet {
  private local: LocalSet | undefined;
  private inflight: Promise<void> | undefined;
  private lastKidRefetch = -Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** Resolves the JWKS URL (fixed, or found by discovery). */
    private readonly url: () => Promise<string>,
    private readonly opts: { maxAgeMs: number; cooldownMs: number; timeoutMs: number },
    private readonly onRefreshError: (err: unknown) => void,
  ) {}

  /** First fetch (throws if it fails) and the refresh timer (which runs either way). */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.refresh().catch(this.onRefreshError), Math.max(1000, this.opts.maxAgeMs / 2));
    this.timer.unref?.();
    await this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  async key(header: JWTHeaderParameters): Promise<CryptoKey> {
    if (!this.local) await this.refresh();
    try {
      return (await this.local!(header)) as CryptoKey;
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (this.inflight) await this.inflight;
      else if (performance.now() - this.lastKidRefetch >= this.opts.cooldownMs) {
        this.lastKidRefetch = performance.now();
        await this.refresh();
      } else throw err;
      return (await this.local!(header)) as CryptoKey;
    }
  }

  private async fetchKeys(): Promise<void> {
    const url = await this.url();
    const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs), headers: { accept: "application/json" } });
    if (!res.ok) throw new errors.JWKSInvalid(`${url} answered ${res.status}`);
    const jwks = (await res.json()) as JSONWebKeySet;
    if (!jwks || !Array.isArray(jwks.keys)) throw new errors.JWKSInvalid(`${url} is not a JSON Web Key Set`);
    this.local = createLocalJWKSet(jwks); // swapped whole, so concurrent verifications see one set
  }
}
