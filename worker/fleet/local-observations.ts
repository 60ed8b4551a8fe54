import type { PiggybackedLoad } from '../../shared/index.ts';
import type { LocalObservations } from '../routing/index.ts';

/** How long a pool that refused a connection is skipped by this isolate. */
const EJECTION_MS = 10_000;

/**
 * What this isolate saw itself: its requests in flight per pool, the load each pool piggybacked
 * on its latest response, and pools that refused connections. Fresher than any snapshot, and
 * free: no extra requests.
 */
export class IsolateObservations implements LocalObservations {
  readonly inFlight = new Map<string, number>();
  readonly piggybacked = new Map<string, { queued: number; running: number; at: number }>();
  readonly ejectedUntil = new Map<string, number>();
  /** Send time of each request in flight, per pool: only sends after a report are unreported. */
  readonly inFlightSentAt = new Map<string, number[]>();

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
      else this.inFlight.delete(poolId);
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

  /** Skips a pool for a while after it refused a connection. */
  eject(poolId: string, now: number): void {
    this.ejectedUntil.set(poolId, now + EJECTION_MS);
  }
}
