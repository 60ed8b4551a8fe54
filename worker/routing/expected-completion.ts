import type { LocalObservations, PoolView, RoutingRequest } from './fleet-view.ts';
import { forecastLoadAt, type LoadForecast } from './load-forecast.ts';
import { imageWorkOf, type OwnSends, ownLoad, seenLoad } from './pool-load.ts';
import { type SpeedFallbacks, speedOf } from './pool-speed.ts';
import { type ImageWork, type PoolSpeed, requestOnPool, requestShape, serviceMs } from './work-model.ts';

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
}

/**
 * Expected time until this request would finish on the pool, in ms, including the round trip:
 * `serviceMs` of the request's own work behind what is ahead of it, on the pool's curve.
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
 * `forecastArrivals: false` keeps only the drain the forecast predicts since the figure, not the
 * arrivals it assumes other isolates sent: what the load is known to be at most. Shedding judges
 * on that, so an idle fleet never refuses work for arrivals that only the forecast saw.
 */
export function expectedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
  now: number,
  options: { readonly forecastArrivals?: boolean } = {},
): number {
  const position = fleet.positions.get(pool.poolId);
  const { speed, split } = poolFigures(pool, fleet);
  const seen = seenLoad(pool, observations, split.perImage);
  const forecastMove =
    position === undefined
      ? 0
      : forecastLoadAt(fleet.forecast, position, now) - forecastLoadAt(fleet.forecast, position, seen.at);
  const moved = options.forecastArrivals === false ? Math.min(0, forecastMove) : forecastMove;
  const own = ownLoad(pool.poolId, observations, seen.at, fleet.typical);
  const projected = Math.max(0, seen.images + moved / split.perWaitingImage);
  // The images ahead are the pool's mix plus our own unreported sends, each of its own size: a
  // 50-step 512 px request just sent makes a pool busier than a 4-step 64 px one.
  const mix = withOwnSends(split, projected, own.after);
  const ahead = {
    images: Math.max(own.all.images, projected + own.after.images),
    perWaitingImage: mix.perWaitingImage,
    imageMegapixels: mix.imageMegapixels,
  };
  const shape = requestShape(requestOnPool(request, pool), fleet.typical);
  const serviceTime = serviceMs(speed, ahead, shape, fleet.typical);
  return (observations.networkMs?.get(pool.poolId) ?? 0) + serviceTime;
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
  const serviceTime = serviceMs(
    speed,
    idle,
    requestShape(requestOnPool(request, pool), fleet.typical),
    fleet.typical,
  );
  return (observations.networkMs?.get(pool.poolId) ?? 0) + serviceTime;
}

/** The pool's speed and image mix as the snapshot's index has them, else computed now. */
export function poolFigures(pool: PoolView, fleet: FleetContext): { speed: PoolSpeed; split: ImageWork } {
  const position = fleet.positions.get(pool.poolId);
  return {
    speed: (position === undefined ? undefined : fleet.speeds[position]) ?? speedOf(pool, fleet),
    split:
      (position === undefined ? undefined : fleet.imageWork[position]) ??
      imageWorkOf(pool, fleet.typical, fleet.waitingImageWork),
  };
}
