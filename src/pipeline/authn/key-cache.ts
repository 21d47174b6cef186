/**
 * API keys held in memory, so checking a key is a Map lookup and one SHA-256 (~1 µs), never a query.
 *
 * The whole key set is reloaded every `refreshIntervalMs` by a timer beside the hot path: a revoked key
 * stops working within that interval (default 5 s) — the documented revocation delay. A full reload
 * rather than "changes since": with concurrent writers, commit order and timestamp order differ, and a
 * delta query can skip a row for good; re-reading a few thousand rows every few seconds costs little.
 *
 * An unknown key id (a key created a moment ago on another replica or by the CLI) triggers one reload,
 * shared by all callers and at most once per `missReloadIntervalMs`, so made-up ids cannot turn into a
 * query per request. If the store is unreachable the last loaded set stays in force.
 */
import type { Logger } from "../../log.ts";
import type { AuthResult } from "../chain.ts";
import type { Principal } from "../types.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.ts";

export interface CachedKey {
  readonly hash: Buffer;
  /** Built once per load, so a hit allocates nothing. */
  readonly principal: Principal;
  readonly result: AuthResult;
}

export function keyPrincipal(r: ApiKeyRecord): Principal {
  return Object.freeze({
    id: `key:${r.id}`,
    tenant: r.tenant,
    user: r.name ?? undefined,
    roles: Object.freeze([...r.roles]),
    method: "api_key" as const,
    attributes: Object.freeze({ keyId: r.id, keyName: r.name }),
  });
}

export class ApiKeyCache {
  private keys = new Map<string, CachedKey>();
  /** Keys ever created, revoked ones included (decides whether implicit anonymous access still applies). */
  private everCreated = 0;
  private lastLoad = 0;
  private inflight: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private failing = false;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly opts: { refreshIntervalMs: number; missReloadIntervalMs: number },
    private readonly log: Logger,
    private readonly onLoad: () => void = () => {},
    /** Makes a reloaded key's principal the object it was before (./principal-intern.ts). */
    private readonly intern: (p: Principal) => Principal = (p) => p,
  ) {}

  /** Loads once (failing loudly: a gateway that cannot read its keys should not start) and starts the timer. */
  async start(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => void this.reload(), this.opts.refreshIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.keys.size;
  }

  get anyCreated(): boolean {
    return this.everCreated > 0;
  }

  get(id: string): CachedKey | undefined {
    return this.keys.get(id);
  }

  /** For an unknown id: reload unless one ran within missReloadIntervalMs; true if a reload happened. */
  reloadForMiss(): Promise<boolean> | false {
    if (this.inflight) return this.inflight.then(() => true);
    if (performance.now() - this.lastLoad < this.opts.missReloadIntervalMs) return false;
    return this.reload().then(() => true);
  }

  /** Background reload: single-flight, never throws (keeps the old set and says so). */
  reload(): Promise<void> {
    this.inflight ??= this.load()
      .then(
        () => {
          if (this.failing) this.log.info("API key store reachable again");
          this.failing = false;
        },
        (err) => {
          if (!this.failing) this.log.warn("cannot reload API keys; keeping the last loaded set", { error: String(err) });
          this.failing = true;
        },
      )
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.lastLoad = performance.now();
    const records = await this.store.list();
    const next = new Map<string, CachedKey>();
    for (const r of records) {
      if (r.revokedAt !== null) continue;
      const principal = this.intern(keyPrincipal(r));
      next.set(r.id, { hash: Buffer.from(r.hash, "hex"), principal, result: Object.freeze({ ok: true as const, principal }) });
    }
    this.keys = next; // swapped whole: a request sees the old set or the new one, never half of each
    this.everCreated = records.length;
    this.onLoad();
  }
}
