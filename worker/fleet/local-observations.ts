import type { PiggybackedLoad } from '../../shared/index.ts';
import type { EndedSend, InFlightSend, LocalObservations, PiggybackedFigures } from '../routing/index.ts';
import { OutcomeLedger, type OutcomeSummary } from './outcome-ledger.ts';

/** How long an ended send is kept: longer than any report takes to replace a figure, ms. */
const ENDED_KEPT_MS = 5_000;
/** Ended sends kept per pool at most (the newest). */
const MAX_ENDED_KEPT = 256;
/** How long a pool that refused a connection is skipped by this isolate. */
const EJECTION_MS = 10_000;
/**
 * Summary times kept: a report is written within a second of the summary it holds and read within
 * a few more, so a dozen (about a second apart) reach back further than any report in use.
 */
const SUMMARY_TIMES_KEPT = 12;
/** Weight of the newest sample in a pool's `networkMs` and `stepIntervalMs` (EWMAs). */
const SAMPLE_WEIGHT = 0.2;

/** What one request costs, so own sends count in work units (`requestWork`). */
export interface SendSize {
  /** Megapixel-steps. */
  readonly work: number;
  readonly images: number;
  /** Megapixels of all its images together. */
  readonly megapixels?: number;
}

/**
 * What this isolate saw itself: its requests in flight per pool (with their work), the load each
 * pool piggybacked on its latest response, pools that refused connections, the latest progress of
 * its requests on each pool and the pace of their events (stall detection), and each pool's round
 * trip. Fresher than any snapshot, and free: no extra requests.
 */
export class IsolateObservations implements LocalObservations {
  readonly inFlight = new Map<string, number>();
  readonly piggybacked = new Map<string, PiggybackedFigures>();
  readonly ejectedUntil = new Map<string, number>();
  readonly refusedAt = new Map<string, number>();
  /** Send time of each request in flight, per pool: only sends after a report are unreported. */
  readonly inFlightSentAt = new Map<string, number[]>();
  /** The same requests with their work, per pool (those begun with a size). */
  readonly inFlightSends = new Map<string, InFlightSend[]>();
  /** Sized requests that ended in the last few seconds, per pool, with when (`EndedSend`). */
  readonly endedSends = new Map<string, EndedSend[]>();
  /**
   * Per pool with requests in flight, the latest event any of them brought. Only pools whose
   * calls stream events are tracked: an adapter that reports nothing must not look stalled.
   */
  readonly lastProgressAt = new Map<string, number>();
  /** Per pool, an EWMA of the time from sending a request to the pool's acknowledgement, ms. */
  readonly networkMs = new Map<string, number>();
  /** Per pool, an EWMA of the gap between consecutive events of one call, ms (its pace). */
  readonly stepIntervalMs = new Map<string, number>();
  /** See `LocalObservations.finishingUntil`. */
  readonly finishingUntil = new Map<string, number>();
  /** What this isolate's requests showed, for the registry's reports on pools that push none. */
  readonly outcomes = new OutcomeLedger();
  /** When this isolate last sent a request to each pool: the regions it routes to (`FleetSnapshotSource`). */
  readonly lastSentAt = new Map<string, number>();
  /** When this isolate's latest outcome summaries were taken, oldest first (`summarizedBefore`). */
  readonly #summaryTimes: number[] = [];

  /**
   * The outcome summary to send with a snapshot read (`OutcomeLedger.take`, with the requests in
   * flight now), noting when it was taken.
   */
  takeSummary(now: number = Date.now()): OutcomeSummary {
    this.#summaryTimes.push(now);
    if (this.#summaryTimes.length > SUMMARY_TIMES_KEPT) this.#summaryTimes.shift();
    return this.outcomes.take(this.inFlightImages());
  }

  /** See `LocalObservations.summarizedBefore`. */
  readonly summarizedBefore = (at: number): number | null => {
    for (let index = this.#summaryTimes.length - 1; index >= 0; index--) {
      const taken = this.#summaryTimes[index] ?? Number.POSITIVE_INFINITY;
      if (taken <= at) return taken;
    }
    return null;
  };

  /**
   * Counts a request sent to a pool at `now` (with its work where known); call the returned
   * function when it ends (at `endedAt`, default now).
   */
  begin(poolId: string, now: number = Date.now(), size?: SendSize): (endedAt?: number) => void {
    this.inFlight.set(poolId, (this.inFlight.get(poolId) ?? 0) + 1);
    this.lastSentAt.set(poolId, now);
    pushTo(this.inFlightSentAt, poolId, now);
    const send: InFlightSend | null = size ? { sentAt: now, ...size } : null;
    if (send) pushTo(this.inFlightSends, poolId, send);
    let ended = false;
    return (endedAt = Date.now()) => {
      if (ended) return;
      ended = true;
      const remaining = (this.inFlight.get(poolId) ?? 1) - 1;
      if (remaining > 0) this.inFlight.set(poolId, remaining);
      else {
        this.inFlight.delete(poolId);
        this.lastProgressAt.delete(poolId);
        this.finishingUntil.delete(poolId);
      }
      removeFrom(this.inFlightSentAt, poolId, now);
      if (send) removeFrom(this.inFlightSends, poolId, send);
      this.#noteEnded(poolId, { sentAt: now, work: send?.work ?? null, images: send?.images ?? 1, endedAt });
    };
  }

  /**
   * Keeps an ended send for as long as a figure taken while it ran may still be the newest: the
   * figure counts it, and it has left the pool (`departed` in `ownLoad`).
   */
  #noteEnded(poolId: string, ended: EndedSend): void {
    const list = this.endedSends.get(poolId) ?? [];
    // Ends come in time order, so the stale ones are at the front: no copy per request.
    let stale = 0;
    while (stale < list.length && (list[stale]?.endedAt ?? 0) <= ended.endedAt - ENDED_KEPT_MS) stale++;
    list.push(ended);
    list.splice(0, Math.max(stale, list.length - MAX_ENDED_KEPT));
    this.endedSends.set(poolId, list);
  }

  /**
   * Records load a pool reported on a response (work figures where the pool sends them), taken at
   * `at`; a figure older than the one held is dropped.
   */
  observeLoad(poolId: string, load: PiggybackedLoad, at: number): void {
    // A streamed answer's figures are as old as its job: a newer figure already heard stands.
    if ((this.piggybacked.get(poolId)?.at ?? Number.NEGATIVE_INFINITY) > at) return;
    this.piggybacked.set(poolId, {
      queued: load.queued,
      running: load.running,
      queuedWork: load.queuedWork ?? null,
      runningWork: load.runningWork ?? null,
      at,
    });
  }

  /**
   * Notes an event of a request at a pool: its acknowledgement, a queue position (repeated while
   * the pool steps), or a step. A pool with requests in flight and none of this for a while is
   * stalled (`isStalled`).
   */
  noteProgress(poolId: string, now: number): void {
    if ((this.inFlight.get(poolId) ?? 0) === 0) return;
    this.lastProgressAt.set(poolId, Math.max(now, this.lastProgressAt.get(poolId) ?? now));
  }

  /** Notes that a call at the pool reported its last step: it may be quiet until `quietUntil`. */
  noteFinishing(poolId: string, quietUntil: number): void {
    if ((this.inFlight.get(poolId) ?? 0) === 0 || !Number.isFinite(quietUntil)) return;
    this.finishingUntil.set(poolId, Math.max(quietUntil, this.finishingUntil.get(poolId) ?? quietUntil));
  }

  /**
   * Folds the gap between two consecutive events of one call into the pool's pace: a big batch
   * on a near-linear curve may step once a second, and only this says what silence is normal.
   */
  noteEventGap(poolId: string, ms: number): void {
    if (!(ms >= 0)) return;
    foldSample(this.stepIntervalMs, poolId, ms);
  }

  /** Takes `ms` as the pool's pace until its events have shown one (`noteEventGap`). */
  expectPace(poolId: string, ms: number): void {
    if (ms > 0 && !this.stepIntervalMs.has(poolId)) this.stepIntervalMs.set(poolId, ms);
  }

  /**
   * Notes a request sent at `now` to a pool that acknowledges every call it takes at once
   * (`ImageBackend.acknowledges`): when this isolate has seen no event from it since its calls
   * there began, its silence counts from when this acknowledgement is due (`now` + its round
   * trip). A frozen pool then reads as stalled (`isStalled`) though it never sent a thing, as the
   * simulator counts a stalled pool's silence from its last event. Call after `begin`.
   */
  expectAcknowledgement(poolId: string, now: number): void {
    if ((this.inFlight.get(poolId) ?? 0) === 0 || this.lastProgressAt.has(poolId)) return;
    this.lastProgressAt.set(poolId, now + (this.networkMs.get(poolId) ?? 0));
  }

  /** Folds one measured round trip (send to acknowledgement) into the pool's `networkMs`. */
  noteRoundTrip(poolId: string, ms: number): void {
    if (!(ms >= 0)) return;
    foldSample(this.networkMs, poolId, ms);
  }

  /**
   * Skips a pool for a while after it refused a connection (`refused`: until a report from it
   * arrives after this, see `refusedAt`) or failed with a 5xx (the whole window).
   */
  eject(poolId: string, now: number, refused = false): void {
    this.ejectedUntil.set(poolId, now + EJECTION_MS);
    if (refused) this.refusedAt.set(poolId, now);
    else this.refusedAt.delete(poolId);
  }

  /** Skips a pool until `until` (epoch ms): it asked for that with `Retry-After`. */
  backOff(poolId: string, until: number): void {
    this.ejectedUntil.set(poolId, Math.max(until, this.ejectedUntil.get(poolId) ?? 0));
    this.refusedAt.delete(poolId);
  }

  /** Images of this isolate's requests in flight, per pool (a request of unknown size counts as one). */
  inFlightImages(): Map<string, number> {
    const images = new Map<string, number>();
    for (const [poolId, requests] of this.inFlight) {
      const sized = this.inFlightSends.get(poolId) ?? [];
      let total = Math.max(0, requests - sized.length);
      for (const send of sized) total += send.images;
      images.set(poolId, total);
    }
    return images;
  }
}

function foldSample(averages: Map<string, number>, poolId: string, sample: number): void {
  const previous = averages.get(poolId);
  averages.set(poolId, previous === undefined ? sample : previous + SAMPLE_WEIGHT * (sample - previous));
}

function pushTo<T>(lists: Map<string, T[]>, poolId: string, item: T): void {
  const list = lists.get(poolId);
  if (list) list.push(item);
  else lists.set(poolId, [item]);
}

function removeFrom<T>(lists: Map<string, T[]>, poolId: string, item: T): void {
  const list = lists.get(poolId) ?? [];
  const position = list.indexOf(item);
  if (position >= 0) list.splice(position, 1);
  if (list.length === 0) lists.delete(poolId);
}
