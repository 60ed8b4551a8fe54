import type { FleetSnapshot } from './fleet-records.ts';

/** A snapshot older than this is refreshed in the background while it is still served. */
export const SNAPSHOT_MAX_AGE_MS = 1_000;
/** Past this age (a quiet isolate) the request waits for a fresh snapshot instead. */
export const SNAPSHOT_HARD_MAX_AGE_MS = 2_000;

/**
 * The isolate's copy of the fleet. Under traffic no request waits on the registry: a snapshot
 * older than {@link SNAPSHOT_MAX_AGE_MS} is still served while one refresh runs in the
 * background, so the registry sees about one read per second per isolate, not one per request.
 * Only an isolate that was quiet for {@link SNAPSHOT_HARD_MAX_AGE_MS} waits for one read.
 */
export class FleetCache {
  readonly #load: () => Promise<FleetSnapshot>;
  readonly #now: () => number;
  #snapshot: FleetSnapshot | null = null;
  #fetchedAt = 0;
  #refreshing: Promise<FleetSnapshot> | null = null;

  constructor(load: () => Promise<FleetSnapshot>, now: () => number = Date.now) {
    this.#load = load;
    this.#now = now;
  }

  /** The current snapshot; `waitUntil` keeps a background refresh alive past the response. */
  async get(waitUntil: (promise: Promise<unknown>) => void): Promise<FleetSnapshot> {
    const age = this.#now() - this.#fetchedAt;
    if (!this.#snapshot || age > SNAPSHOT_HARD_MAX_AGE_MS) return this.refresh();
    if (age > SNAPSHOT_MAX_AGE_MS && !this.#refreshing) {
      waitUntil(this.refresh().catch(() => undefined));
    }
    return this.#snapshot;
  }

  /** The snapshot held now, however old, without reading the registry; null before the first. */
  current(): FleetSnapshot | null {
    return this.#snapshot;
  }

  /** Fetches a fresh snapshot now (deduplicated with one already running). */
  refresh(): Promise<FleetSnapshot> {
    this.#refreshing ??= this.#load()
      .then((snapshot) => {
        this.#snapshot = snapshot;
        this.#fetchedAt = this.#now();
        return snapshot;
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }
}
