import { setBounded } from '../../shared/bounded-map.ts';

/** Sizes of a {@link CredentialCache}. */
export interface CredentialCacheLimits {
  /** How long an answer is kept from the directory read: bounds how long a revoked key still works. */
  readonly ttlMs: number;
  /** Most found credentials kept. */
  readonly maxFound: number;
  /** Most refusals kept; kept apart so a flood of made-up credentials cannot evict real callers. */
  readonly maxRefused: number;
}

interface Entry<Value> {
  readonly value: Promise<Value | null>;
  readonly expiresAt: number;
  /** The answer once the lookup settled, so a hit needs no await. */
  settled?: { readonly value: Value | null };
}

/**
 * A per-isolate cache of credential lookups (API key → caller, issuer → tenant): each distinct
 * credential reaches the directory at most once per `ttlMs` in an isolate, concurrent lookups of
 * the same one included (the lookup in flight is shared). Found and refused answers live in two
 * bounded maps that drop their oldest entry when full, so made-up credentials (every one a
 * directory read, and chosen by whoever sends them) can only push out other refusals.
 */
export class CredentialCache<Value> {
  readonly #found = new Map<string, Entry<Value>>();
  readonly #refused = new Map<string, Entry<Value>>();
  readonly #limits: CredentialCacheLimits;

  constructor(limits: CredentialCacheLimits) {
    this.#limits = limits;
  }

  /** The settled answer for `key` if one is cached and fresh (null: refused); undefined otherwise. */
  peek(key: string, now: number): Value | null | undefined {
    return this.#fresh(key, now)?.settled?.value;
  }

  /** The cached answer, or the lookup's (shared with any lookup of `key` already in flight). */
  getOrLoad(key: string, now: number, load: () => Promise<Value | null>): Promise<Value | null> {
    const cached = this.#fresh(key, now);
    if (cached) return cached.value;
    const value = load();
    const entry: Entry<Value> = { value, expiresAt: now + this.#limits.ttlMs };
    // In flight it counts as a refusal: a made-up key must not take a found entry's place.
    this.#store(this.#refused, this.#limits.maxRefused, key, entry);
    value.then(
      (settled) => {
        entry.settled = { value: settled };
        if (settled === null || this.#refused.get(key) !== entry) return;
        this.#refused.delete(key);
        this.#store(this.#found, this.#limits.maxFound, key, entry);
      },
      () => this.#refused.delete(key),
    );
    return value;
  }

  /** Drops every entry (e.g. after this isolate revoked a key). */
  clear(): void {
    this.#found.clear();
    this.#refused.clear();
  }

  /** Entries held now, found and refused: for tests of the bounds. */
  get size(): { readonly found: number; readonly refused: number } {
    return { found: this.#found.size, refused: this.#refused.size };
  }

  #fresh(key: string, now: number): Entry<Value> | undefined {
    const entry = this.#found.get(key) ?? this.#refused.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  #store(map: Map<string, Entry<Value>>, max: number, key: string, entry: Entry<Value>): void {
    setBounded(map, key, entry, max);
  }
}
