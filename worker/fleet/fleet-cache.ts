import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';

/** A snapshot older than this is refreshed in the background while it is still served. */
export const SNAPSHOT_MAX_AGE_MS = 1_000;
/** Past this age (a quiet isolate) the request waits for a fresh snapshot instead. */
export const SNAPSHOT_HARD_MAX_AGE_MS = 2_000;

/**
 * Reads the fleet. `fresh`: the caller just wrote to the registry and must see its write, so no
 * copy shared by other isolates may answer (`FleetSnapshotSource`).
 */
export type FleetLoader = (fresh: boolean) => Promise<FleetSnapshot>;

/**
 * The isolate's copy of the fleet. Under traffic no request waits on the registry: a snapshot
 * older than {@link SNAPSHOT_MAX_AGE_MS} is still served while one refresh runs in the
 * background, so the registry sees about one read per second per isolate, not one per request.
 * Only an isolate that was quiet for {@link SNAPSHOT_HARD_MAX_AGE_MS} waits for one read.
 */
export class FleetCache {
  readonly #load: FleetLoader;
  readonly #now: () => number;
  #snapshot: FleetSnapshot | null = null;
  #index: Map<string, PoolSnapshotEntry> | null = null;
  #fetchedAt = 0;
  #refreshing: Promise<FleetSnapshot> | null = null;
  /** The fresh read running now, and the one queued behind it for callers who came during it. */
  #freshRunning: Promise<FleetSnapshot> | null = null;
  #freshQueued: Promise<FleetSnapshot> | null = null;

  constructor(load: FleetLoader, now: () => number = Date.now) {
    this.#load = load;
    this.#now = now;
  }

  /** The current snapshot; `waitUntil` keeps a background refresh alive past the response. */
  async get(waitUntil: (promise: Promise<unknown>) => void): Promise<FleetSnapshot> {
    const age = this.#now() - this.#fetchedAt;
    if (!this.#snapshot || age > SNAPSHOT_HARD_MAX_AGE_MS) return this.#refresh(false);
    if (age > SNAPSHOT_MAX_AGE_MS && !this.#refreshing) {
      waitUntil(this.#refresh(false).catch(() => undefined));
    }
    return this.#snapshot;
  }

  /**
   * Starts a background refresh when the snapshot is older than {@link SNAPSHOT_MAX_AGE_MS} (or
   * missing), never waiting for it: for paths that only look pools up (heartbeats).
   */
  warm(waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.#refreshing || (this.#snapshot && this.#now() - this.#fetchedAt <= SNAPSHOT_MAX_AGE_MS)) return;
    waitUntil(this.#refresh(false).catch(() => undefined));
  }

  /** The snapshot held now, however old, without reading the registry; null before the first. */
  current(): FleetSnapshot | null {
    return this.#snapshot;
  }

  /** One pool's entry in the snapshot held now, without reading the registry. */
  entry(poolId: string): PoolSnapshotEntry | undefined {
    if (this.#snapshot === null) return undefined;
    this.#index ??= new Map(this.#snapshot.pools.map((entry) => [entry.pool.id, entry]));
    return this.#index.get(poolId);
  }

  /**
   * Fetches a fresh snapshot, past any shared copy (after this isolate wrote to the registry, or
   * stored a heartbeat that brings a pool into routing): one that starts after the call. Calls
   * made while a fresh read runs share one read queued behind it (that read may have started
   * before their write), so a wave of heartbeats (every pool after an edge restart, a fleet
   * registering) costs the isolate two reads, not one per heartbeat.
   */
  refresh(): Promise<FleetSnapshot> {
    if (this.#freshRunning === null) return this.#startFresh();
    this.#freshQueued ??= this.#freshRunning
      .catch(() => undefined)
      .then(() => {
        this.#freshQueued = null;
        return this.#startFresh();
      });
    return this.#freshQueued;
  }

  #startFresh(): Promise<FleetSnapshot> {
    const running = this.#refresh(true).finally(() => {
      if (this.#freshRunning === running) this.#freshRunning = null;
    });
    this.#freshRunning = running;
    return running;
  }

  /** Deduplicated with a refresh already running, unless this one must be fresh. */
  #refresh(fresh: boolean): Promise<FleetSnapshot> {
    if (this.#refreshing && !fresh) return this.#refreshing;
    const refreshing = this.#load(fresh)
      .then((snapshot) => {
        // Reads can cross: one started before this isolate's write may land after a fresh one
        // started after it. The snapshot read later wins, whichever arrives last.
        if (this.#snapshot && snapshot.taken_at < this.#snapshot.taken_at) return this.#snapshot;
        this.#snapshot = snapshot;
        this.#index = null;
        // A copy shared by another isolate is as old as its read, not as this fetch.
        this.#fetchedAt = Math.min(this.#now(), snapshot.taken_at);
        return snapshot;
      })
      .finally(() => {
        if (this.#refreshing === refreshing) this.#refreshing = null;
      });
    this.#refreshing = refreshing;
    return refreshing;
  }
}
