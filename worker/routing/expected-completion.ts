import { type DrainClock, drainClockAt, drainedImagesAfter, nothingToDrain } from './drain-clock.ts';
import { finishMsOf } from './finish-time.ts';
import type { LocalObservations, PoolView, RoutingRequest } from './fleet-view.ts';
import { forecastLoadAt, type LoadForecast } from './load-forecast.ts';
import { imageWorkOf, type OwnSends, ownLoad, seenLoad } from './pool-load.ts';
import { type SpeedFallbacks, speedOf } from './pool-speed.ts';
import {
  type Ahead,
  delayToBatchMs,
  type ImageWork,
  type PoolSpeed,
  type RequestShape,
  requestOnPool,
  requestShape,
  serviceMs,
} from './work-model.ts';

/**
 * What a decision knows about the fleet as a whole (computed once per snapshot): the speed
 * fallbacks (`typical` is one typical image of the model, as the fleet reports its defaults),
 * and per pool position:
 */
export interface FleetContext extends SpeedFallbacks {
  /** Each pool's speed, by position (`speedOf` when the snapshot was taken). */
  readonly speeds: readonly PoolSpeed[];
  /** Work of a waiting image across the fleet (`fleetWaitingImageWork`). */
  readonly waitingImageWork: number;
  /** How each pool's work splits into images, by position (`imageWorkOf`). */
  readonly imageWork: readonly ImageWork[];
  /** Where the isolates together are taking each pool's work (`forecastLoads`). */
  readonly forecast: LoadForecast;
  /** Pool id to its position in the forecast. */
  readonly positions: ReadonlyMap<string, number>;
  /**
   * How long each pool takes to drain its load, by position (`drainClockOf`): filled on a pool's
   * first known-load reading in the snapshot's life, so a snapshot pays only for the pools its
   * decisions sample.
   */
  readonly drainClocks: (DrainClock | undefined)[];
}

/**
 * Expected time until this request would finish on the pool, in ms, including the round trip:
 * `serviceMs` of the request's own work behind what is ahead of it, on the pool's curve, and the
 * pool's measured time to finish an image after its last step (`finishMs`).
 *
 * Staleness: the seen load (snapshot or piggybacked, whichever is newer) moves by as much work as
 * the forecast says the pool's work moved since that figure was taken (as waiting images of the
 * pool's mix), so the pool every isolate saw as emptiest a second ago is scored as full as the
 * others have made it by now.
 *
 * Own work: requests this isolate sent after the figure was taken are not in it and are added;
 * those sent before are already counted. The pool carries at least all of ours, whatever the
 * snapshot says (with one isolate that is the exact load).
 *
 * `forecastArrivals: false` moves the figure by the pool's own drain since it was taken
 * (`drainedImagesAfter` on its drain clock), with none of the arrivals the forecast assumes other
 * isolates sent: what the load is known to be at most. Shedding judges on that, so an idle fleet
 * never refuses work for arrivals that only the forecast saw, nor for work that has long finished.
 */
export function expectedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
  now: number,
  options: { readonly forecastArrivals?: boolean } & CandidateHints = {},
): number {
  return completionOn(
    pool,
    observations,
    fleet,
    situationOn(pool, request, observations, fleet, now, options),
  );
}

/**
 * `expectedCompletionMs` on both views of the pool's load at once, from one reading of its
 * figures: with the forecast's arrivals (`predictedMs`) and on the load known to be there
 * (`knownMs`, `forecastArrivals: false`). With `coRunnerDelay`, also how much the request would
 * delay the images it runs beside on the forecast's load (ms summed over them, `delayToBatchMs`):
 * what a large request's pick is charged (`pickPools`).
 */
export function completionOnBothLoadsMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
  now: number,
  options: { readonly coRunnerDelay?: boolean } & CandidateHints = {},
): { readonly predictedMs: number; readonly knownMs: number; readonly coRunnerDelayMs?: number } {
  const basis = loadBasis(pool, observations, fleet, options.position);
  const shape = shapeOn(request, pool, fleet, options.shape);
  const forecast = situationFrom(basis, forecastImages(basis, fleet, now), shape);
  const known = situationFrom(basis, knownImages(basis, fleet, now), shape);
  const tripAndFinishMs = withTripAndFinish(pool, observations, 0, shape);
  const { speed } = basis;
  return {
    predictedMs: tripAndFinishMs + serviceMs(speed, forecast.ahead, shape, fleet.typical),
    knownMs: tripAndFinishMs + serviceMs(speed, known.ahead, shape, fleet.typical),
    ...(options.coRunnerDelay
      ? { coRunnerDelayMs: delayToBatchMs(speed, forecast.ahead, shape, fleet.typical) }
      : {}),
  };
}

/**
 * What a decision already knows about a candidate, so that scoring many candidates does not
 * look it up again for each: its position in the index (`FleetContext.positions`), and the
 * request's shape as asked (`requestShape` on the fleet's typical image), which every pool that
 * counts the request's work as asked shares.
 */
export interface CandidateHints {
  readonly position?: number;
  readonly shape?: RequestShape;
}

/** The request as `pool` runs it, resolved (`requestShape`): `askedShape` where the pool counts it as asked. */
function shapeOn(
  request: RoutingRequest,
  pool: PoolView,
  fleet: FleetContext,
  askedShape: RequestShape | undefined,
): RequestShape {
  const onPool = requestOnPool(request, pool);
  return onPool === request && askedShape !== undefined ? askedShape : requestShape(onPool, fleet.typical);
}

/** The round trip, the service behind what is ahead, and the pool's finish after the last step. */
function completionOn(
  pool: PoolView,
  observations: LocalObservations,
  fleet: FleetContext,
  { speed, ahead, shape }: Situation,
): number {
  return withTripAndFinish(pool, observations, serviceMs(speed, ahead, shape, fleet.typical), shape);
}

/** A service time with the pool's round trip before it and its finish for the request's image after. */
function withTripAndFinish(
  pool: PoolView,
  observations: LocalObservations,
  serviceTime: number,
  shape: RequestShape,
): number {
  return (
    (observations.networkMs?.get(pool.poolId) ?? 0) +
    serviceTime +
    finishMsOf(pool, shape.imageMegapixels, shape.images)
  );
}

/** The pool's speed, what is ahead of the request there (see `expectedCompletionMs`), and the request. */
function situationOn(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
  now: number,
  options: { readonly forecastArrivals?: boolean } & CandidateHints,
): Situation {
  const basis = loadBasis(pool, observations, fleet, options.position);
  const projected =
    options.forecastArrivals === false ? knownImages(basis, fleet, now) : forecastImages(basis, fleet, now);
  return situationFrom(basis, projected, shapeOn(request, pool, fleet, options.shape));
}

/** What a completion is computed from: the pool's speed, what is ahead, and the request. */
interface Situation {
  readonly speed: PoolSpeed;
  readonly ahead: Ahead;
  readonly shape: RequestShape;
}

/** What both views of a pool's load start from: its figures, the load seen, and our own sends. */
interface LoadBasis {
  readonly position: number | undefined;
  readonly speed: PoolSpeed;
  readonly split: ImageWork;
  readonly seen: ReturnType<typeof seenLoad>;
  readonly own: ReturnType<typeof ownLoad>;
}

function loadBasis(
  pool: PoolView,
  observations: LocalObservations,
  fleet: FleetContext,
  knownPosition: number | undefined,
): LoadBasis {
  const position = knownPosition ?? fleet.positions.get(pool.poolId);
  const { speed, split } = figuresAt(pool, fleet, position);
  const seen = seenLoad(pool, observations, split.perImage);
  const own = ownLoad(pool.poolId, observations, seen.at, fleet.typical);
  return { position, speed, split, seen, own };
}

// Our own requests in the figure that have ended since have left the pool, whatever else moved;
// on known load, so has what the pool drained by now (at least the one, at most both). What it
// drained is the pool's own curve's throughput at the batch the remaining work makes: this, not
// the forecast's arrivals-minus-drain, is what the known load moved by. A pool in steady state has
// its forecast flat, so a stale figure (an image reported running on the answer that carried it)
// would stay in the load until the next report and refuse work on a pool that is idle.
function knownImages(
  { position, speed, split, seen, own }: LoadBasis,
  fleet: FleetContext,
  now: number,
): number {
  const perImage = seen.images > 0 ? seen.work / seen.images : 0;
  const elapsedMs = now - seen.at;
  // Tabulate the pool's clock only when there is something to read off it.
  if (nothingToDrain(seen.images, perImage, elapsedMs)) return Math.max(0, seen.images - own.departed.images);
  const clock = drainClockAt(fleet.drainClocks, position, speed, split.imageMegapixels);
  const drained = Math.min(seen.images, drainedImagesAfter(clock, seen.images, perImage, elapsedMs));
  return Math.max(0, seen.images - Math.max(own.departed.images, drained));
}

function forecastImages({ position, split, seen, own }: LoadBasis, fleet: FleetContext, now: number): number {
  const forecastMove =
    position === undefined
      ? 0
      : forecastLoadAt(fleet.forecast, position, now) - forecastLoadAt(fleet.forecast, position, seen.at);
  return Math.max(0, seen.images - own.departed.images + forecastMove / split.perWaitingImage);
}

function situationFrom({ speed, split, own }: LoadBasis, projected: number, shape: RequestShape): Situation {
  // The images ahead are the pool's mix plus our own unreported sends, each of its own size: a
  // 50-step 512 px request just sent makes a pool busier than a 4-step 64 px one.
  const mix = withOwnSends(split, projected, own.after);
  const ahead = {
    images: Math.max(own.all.images, projected + own.after.images),
    perWaitingImage: mix.perWaitingImage,
    imageMegapixels: mix.imageMegapixels,
  };
  return { speed, ahead, shape };
}

/**
 * The pool's image mix (`ImageWork`) with this isolate's unreported sends folded in, weighted by
 * images: `projected` images of the pool's own mix, `sends` of their own work and size.
 */
function withOwnSends(split: ImageWork, projected: number, sends: OwnSends): ImageWork {
  if (sends.images <= 0) return split;
  const total = projected + sends.images;
  const blend = (pool: number, own: number) => (projected * pool + sends.images * own) / total;
  return {
    perImage: blend(split.perImage, sends.work / sends.images),
    perWaitingImage: blend(split.perWaitingImage, sends.work / sends.images),
    imageMegapixels: blend(split.imageMegapixels, sends.megapixels / sends.images),
  };
}

/**
 * What the request would take on the pool with nothing ahead of it, in ms (round trip included):
 * the denominator of its slowdown, which tier shedding bounds (`worker/admission/tier-shedding.ts`).
 */
export function unloadedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
): number {
  const { speed, split } = poolFigures(pool, fleet);
  const idle = { images: 0, perWaitingImage: split.perWaitingImage, imageMegapixels: split.imageMegapixels };
  const shape = requestShape(requestOnPool(request, pool), fleet.typical);
  return withTripAndFinish(pool, observations, serviceMs(speed, idle, shape, fleet.typical), shape);
}

/** The pool's speed and image mix as the snapshot's index has them, else computed now. */
export function poolFigures(pool: PoolView, fleet: FleetContext): { speed: PoolSpeed; split: ImageWork } {
  return figuresAt(pool, fleet, fleet.positions.get(pool.poolId));
}

function figuresAt(
  pool: PoolView,
  fleet: FleetContext,
  position: number | undefined,
): { speed: PoolSpeed; split: ImageWork } {
  return {
    speed: (position === undefined ? undefined : fleet.speeds[position]) ?? speedOf(pool, fleet),
    split:
      (position === undefined ? undefined : fleet.imageWork[position]) ??
      imageWorkOf(pool, fleet.typical, fleet.waitingImageWork),
  };
}
