import { sendsOwnHeartbeats } from './eligibility.ts';
import type { LocalObservations, PoolView } from './fleet-view.ts';
import { batchMegapixelsAt, curveElasticity, type ImageWork, type TypicalImage } from './work-model.ts';

/** A pool's load, in work and in images. */
export interface Load {
  /** Megapixel-steps queued or left running. */
  readonly work: number;
  /** Images queued or running. */
  readonly images: number;
}

/** Whether the pool reports its load in work units (telemetry's `work` section). */
export function reportsWork(pool: PoolView): boolean {
  return (
    pool.queuedWork !== undefined &&
    pool.queuedWork !== null &&
    pool.runningWork !== undefined &&
    pool.runningWork !== null
  );
}

/**
 * How the pool's work splits into images (`ImageWork`), from its latest figures: the pool's own mix
 * where it reports work and has some; else a waiting image is `waitingImageWork` (the fleet's,
 * `fleetWaitingImageWork`) and a typical image the rest.
 */
export function imageWorkOf(pool: PoolView, typical: TypicalImage, waitingImageWork: number): ImageWork {
  const typicalWork = typical.steps * typical.imageMegapixels;
  if (!reportsWork(pool)) {
    return { perImage: typicalWork, perWaitingImage: typicalWork, imageMegapixels: typical.imageMegapixels };
  }
  const images = pool.queued + pool.running;
  const work = (pool.queuedWork ?? 0) + (pool.runningWork ?? 0);
  const perImage = images > 0 && work > 0 ? work / images : typicalWork;
  const queuedWork = pool.queuedWork ?? 0;
  const perWaitingImage = pool.queued > 0 && queuedWork > 0 ? queuedWork / pool.queued : waitingImageWork;
  return {
    perImage,
    perWaitingImage,
    imageMegapixels: runningImageMegapixels(pool, typical.imageMegapixels) ?? typical.imageMegapixels,
  };
}

/**
 * Work of a waiting image across the pools that report work and have a queue (the fleet's request
 * mix), or `typicalWork` when none has.
 */
export function fleetWaitingImageWork(pools: readonly PoolView[], typicalWork: number): number {
  let work = 0;
  let images = 0;
  for (const pool of pools) {
    if (!reportsWork(pool) || pool.queued <= 0) continue;
    work += pool.queuedWork ?? 0;
    images += pool.queued;
  }
  return images > 0 && work > 0 ? work / images : typicalWork;
}

/**
 * Megapixels of one running image: the running batch's megapixels (its recent step time read back
 * through its curve, `batchMegapixelsAt`) over its images, null when it runs nothing or either
 * figure is missing. Where the curve is flat (a small model on a big GPU) a little noise in the
 * step time is a lot of megapixels, so the estimate is drawn towards the typical image by as much
 * as the curve is flat there (its elasticity: 1 for a linear curve, trusted as read).
 */
function runningImageMegapixels(pool: PoolView, typicalMegapixels: number): number | null {
  if (pool.running <= 0 || !pool.stepCurve || !pool.stepMs) return null;
  const batch = batchMegapixelsAt(pool.stepCurve, pool.stepMs);
  if (batch === null || !(batch > 0)) return null;
  const trust = curveElasticity(pool.stepCurve, batch);
  return typicalMegapixels * (batch / pool.running / typicalMegapixels) ** trust;
}

/**
 * The pool's load from whichever of the snapshot and the piggybacked figures is newer, with when
 * it was taken. Figures without work (an older pool) count their images at `perImage`. The
 * registry's report on a pool that pushes no telemetry holds this isolate's requests as of its
 * last summary before the report (`LocalObservations.summarizedBefore`): taken as of then, a
 * request that ended between the summary and the report counts as departed, not as load that
 * holds the pool busy until the next report (a sync request with a deadline was refused for it).
 */
export function seenLoad(
  pool: PoolView,
  observations: LocalObservations,
  perImage: number,
): Load & { readonly at: number } {
  const piggybacked = observations.piggybacked.get(pool.poolId);
  const reportedAt = pool.reportedAt ?? 0;
  if (piggybacked !== undefined && piggybacked.at > reportedAt) {
    const { queuedWork, runningWork } = piggybacked;
    const images = piggybacked.queued + piggybacked.running;
    const work = queuedWork != null && runningWork != null ? queuedWork + runningWork : images * perImage;
    return { work, images, at: piggybacked.at };
  }
  const images = pool.queued + pool.running;
  const work = reportsWork(pool) ? (pool.queuedWork ?? 0) + (pool.runningWork ?? 0) : images * perImage;
  const summarizedAt = sendsOwnHeartbeats(pool) ? null : observations.summarizedBefore?.(reportedAt);
  return { work, images, at: summarizedAt ?? reportedAt };
}

/**
 * This isolate's requests in flight at the pool: all of them, those sent after `at` (which the
 * pool's figures taken at `at` cannot include), and those in the figures that have ended since
 * (`departed`: they left the pool after the figures were taken). Without
 * `inFlightSends`, a request counts as one typical image.
 */
export function ownLoad(
  poolId: string,
  observations: LocalObservations,
  at: number,
  typical: TypicalImage,
): { readonly all: Load; readonly after: OwnSends; readonly departed: Load } {
  const sends = observations.inFlightSends?.get(poolId);
  if (sends !== undefined) {
    let work = 0;
    let images = 0;
    const after = { work: 0, images: 0, megapixels: 0 };
    for (const send of sends) {
      work += send.work;
      images += send.images;
      if (send.sentAt <= at) continue;
      after.work += send.work;
      after.images += send.images;
      after.megapixels += send.megapixels ?? send.images * typical.imageMegapixels;
    }
    return { all: { work, images }, after, departed: departedSince(poolId, observations, at, typical) };
  }
  const typicalWork = typical.steps * typical.imageMegapixels;
  const count = observations.inFlight.get(poolId) ?? 0;
  // Most candidates hold none of this isolate's requests: no sums to build for them.
  if (count === 0)
    return { all: NO_LOAD, after: NO_SENDS, departed: departedSince(poolId, observations, at, typical) };
  const sentAt = observations.inFlightSentAt?.get(poolId);
  let after = count;
  if (sentAt !== undefined) {
    after = 0;
    for (const time of sentAt) if (time > at) after++;
  }
  return {
    all: { work: count * typicalWork, images: count },
    after: { work: after * typicalWork, images: after, megapixels: after * typical.imageMegapixels },
    departed: departedSince(poolId, observations, at, typical),
  };
}

const NO_LOAD: Load = Object.freeze({ work: 0, images: 0 });
const NO_SENDS: OwnSends = Object.freeze({ work: 0, images: 0, megapixels: 0 });

/**
 * This isolate's requests that were at the pool at `at` and have ended since; one of unknown size
 * counts its images as typical ones, as it did in flight.
 */
function departedSince(
  poolId: string,
  observations: LocalObservations,
  at: number,
  typical: TypicalImage,
): Load {
  const ended = observations.endedSends?.get(poolId);
  if (ended === undefined) return NO_LOAD;
  let work = 0;
  let images = 0;
  for (const send of ended) {
    if (send.sentAt > at || send.endedAt <= at) continue;
    work += send.work ?? send.images * typical.steps * typical.imageMegapixels;
    images += send.images;
  }
  return { work, images };
}

/** This isolate's sends a pool's figures do not include yet: their work, images and megapixels. */
export interface OwnSends extends Load {
  readonly megapixels: number;
}
