import type { ShardDelta } from './fleet-delta.ts';

/** A shard's copy shared in one location serves other isolates for this long, ms. */
export const SHARED_COPY_MAX_AGE_MS = 500;
/** The Cache API keeps whole seconds; a copy past {@link SHARED_COPY_MAX_AGE_MS} is ignored before then. */
const SHARED_COPY_TTL_S = 1;
/** Cache keys live under a host nothing resolves, so they cannot collide with a real URL. */
const COPY_ORIGIN = 'https://fleet-registry.spillway.internal';

/**
 * The latest delta any isolate in this location read from each shard, in the Cache API
 * (`caches.default`, per location): an isolate whose copy is at or after the delta's start applies
 * it instead of reading the shard, so a location reads each shard about once per
 * {@link SHARED_COPY_MAX_AGE_MS} however many isolates it runs (docs/scaling.md, Snapshots). Where
 * the Cache API keeps nothing, every read misses and isolates read their shards.
 */
export class SharedShardCopies {
  readonly #cache: Cache;
  readonly #now: () => number;

  constructor(cache: Cache, now: () => number) {
    this.#cache = cache;
    this.#now = now;
  }

  /** The shared delta of a region's shard, or null when none is young enough. */
  async read(region: string): Promise<ShardDelta | null> {
    const response = await this.#cache.match(keyOf(region));
    if (!response) return null;
    const delta: ShardDelta = await response.json();
    return this.#now() - delta.taken_at > SHARED_COPY_MAX_AGE_MS ? null : delta;
  }

  /** The list of regions another isolate here read from the directory, if younger than `maxAgeMs`. */
  async readRegions(maxAgeMs: number): Promise<string[] | null> {
    const response = await this.#cache.match(REGIONS_KEY);
    if (!response) return null;
    const shared: { at: number; regions: string[] } = await response.json();
    return this.#now() - shared.at > maxAgeMs ? null : shared.regions;
  }

  /** Shares the list of regions just read from the directory. */
  async writeRegions(regions: readonly string[], maxAgeMs: number): Promise<void> {
    const headers = {
      'content-type': 'application/json',
      'cache-control': `max-age=${Math.max(1, Math.floor(maxAgeMs / 1_000))}`,
    };
    await this.#cache.put(
      REGIONS_KEY,
      new Response(JSON.stringify({ at: this.#now(), regions }), { headers }),
    );
  }

  /** Shares a delta just read from a region's shard (its JSON, already serialised). */
  async write(region: string, json: string): Promise<void> {
    const headers = { 'content-type': 'application/json', 'cache-control': `max-age=${SHARED_COPY_TTL_S}` };
    await this.#cache.put(keyOf(region), new Response(json, { headers }));
  }
}

function keyOf(region: string): Request {
  return new Request(`${COPY_ORIGIN}/shards/${encodeURIComponent(region)}`);
}

const REGIONS_KEY = `${COPY_ORIGIN}/regions`;
