import type { PiggybackedLoad } from '../../shared/index.ts';
import type { LocalObservations } from '../routing/index.ts';

/** How long a pool that refused a connection is skipped by this isolate. */
const EJECTION_MS = 10_000;
/** Weight of the newest round trip in a pool's `networkMs` (an EWMA). */
const ROUND_TRIP_WEIGHT = 0.2;

/**
 * What this isolate saw itself: its requests in flight per pool, the load each pool piggybacked
 * on its latest response, pools that refused connections, the latest progress of its requests on
 * each pool (stall detection) and each pool's round trip. Fresher than any snapshot, and free: no
 * extra requests.
 */
export class IsolateObservations implements LocalObservations {
  readonly inFlight = new Map<string, number>();
  readonly piggybacked = new Map<string, { queued: number; running: number; at: number }>();
  readonly ejectedUntil = new Map<string, number>();
  /** Send time of each request in flight, per pool: only sends after a report are unreported. */
  readonly inFlightSentAt = new Map<string, number[]>();
  /** Per pool with requests in flight, the latest sign of progress on any of them (the send counts). */
  readonly lastProgressAt = new Map<string, number>();
  /** Per pool, an EWMA of the time from sending a request to the pool's acknowledgement, ms. */
  readonly networkMs = new Map<string, number>();

  /** Counts a request sent to a pool at `now`; call the returned function when it ends. */
  begin(poolId: string, now: number = Date.now()): () => void {
    this.inFlight.set(poolId, (this.inFlight.get(poolId) ?? 0) + 1);
    const sends = this.inFlightSentAt.get(poolId);
    if (sends) sends.push(now);
    else this.inFlightSentAt.set(poolId, [now]);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const remaining = (this.inFlight.get(poolId) ?? 1) - 1;
      if (remaining > 0) this.inFlight.set(poolId, remaining);
      else {
        this.inFlight.delete(poolId);
        this.lastProgressAt.delete(poolId);
      }
      const pending = this.inFlightSentAt.get(poolId) ?? [];
      const position = pending.indexOf(now);
      if (position >= 0) pending.splice(position, 1);
      if (pending.length === 0) this.inFlightSentAt.delete(poolId);
    };
  }

  /** Records load a pool reported on a response. */
  observeLoad(poolId: string, load: PiggybackedLoad, at: number): void {
    this.piggybacked.set(poolId, { queued: load.queued, running: load.running, at });
  }

  /**
   * Notes progress on a request at a pool: its acknowledgement, a queue-position change, a step, or
   * the pool saying it is still stepping. A pool with requests in flight and none of this for a
   * while is stalled (`isStalled`).
   */
  noteProgress(poolId: string, now: number): void {
    this.lastProgressAt.set(poolId, Math.max(now, this.lastProgressAt.get(poolId) ?? now));
  }

  /** Folds one measured round trip (send to acknowledgement) into the pool's `networkMs`. */
  noteRoundTrip(poolId: string, ms: number): void {
    const previous = this.networkMs.get(poolId);
    this.networkMs.set(poolId, previous === undefined ? ms : previous + ROUND_TRIP_WEIGHT * (ms - previous));
  }

  /** Skips a pool for a while after it refused a connection. */
  eject(poolId: string, now: number): void {
    this.ejectedUntil.set(poolId, now + EJECTION_MS);
  }
}
