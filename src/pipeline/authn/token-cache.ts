/**
 * The verified-token cache: jose's jwtVerify costs ~80–160 µs (WebCrypto, async), a hit here well under
 * a microsecond. A token string maps to what verifying it produced, until the token's `exp`.
 *
 * Bounded by two generations instead of an LRU: inserts go to `young`; when it is full it becomes `old`
 * and a new `young` starts, dropping the previous `old` wholesale. A hit in `young` (the common case: an
 * agent reuses its token) is one Map get — no delete+set reordering, which measured ~20 µs per hit on a
 * hot key here. A hit in `old` copies the entry forward once. At most 2 × generationSize entries live.
 */
interface Entry<V> {
  readonly value: V;
  /** Epoch ms after which the entry must not be used (the token's exp, or sooner). */
  readonly expiresAt: number;
}

export class TokenCache<V> {
  private young = new Map<string, Entry<V>>();
  private old = new Map<string, Entry<V>>();
  private readonly generationSize: number;

  constructor(maxEntries: number) {
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get(key: string, now: number): V | undefined {
    let entry = this.young.get(key);
    if (entry === undefined) {
      entry = this.old.get(key);
      if (entry === undefined || entry.expiresAt <= now) return undefined;
      this.insert(key, entry);
    }
    // An expired entry is left to age out with its generation; the caller verifies (and fails) afresh.
    return entry.expiresAt > now ? entry.value : undefined;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.insert(key, { value, expiresAt });
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  private insert(key: string, entry: Entry<V>): void {
    this.young.set(key, entry);
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
