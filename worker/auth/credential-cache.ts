/**
 * A tiny per-isolate cache with expiry, for credential lookups (API key digest → tenant, issuer
 * → tenant). Short lifetimes bound how long a revoked key keeps working in a warm isolate.
 */
export class ExpiringCache<Value> {
  readonly #entries = new Map<string, { value: Value; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** The cached value if it has not expired, else undefined; never loads. */
  peek(key: string, now: number): Value | undefined {
    const entry = this.#entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  /** The cached value, or computes, stores and returns it. */
  async getOrLoad(key: string, now: number, load: () => Promise<Value>): Promise<Value> {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry.value;
    const value = await load();
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
    return value;
  }

  /** Drops every entry (e.g. after this isolate revoked a key). */
  clear(): void {
    this.#entries.clear();
  }
}
