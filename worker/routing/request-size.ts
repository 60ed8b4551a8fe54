import type { FleetIndex } from './fleet-index.ts';
import type { RoutingRequest } from './fleet-view.ts';
import { type RequestShape, requestShape } from './work-model.ts';

/**
 * A request's work in typical images of the fleet (its model's default steps and size): below 1
 * it samples more pools (`choicesFor`) and is tied (`tiesRequest`); above 1 its pick is charged
 * the delay it would add to the smaller images beside it (`bestFor`), and from
 * `VERY_LARGE_REQUEST_IMAGES` it samples more pools too.
 */
export function workInTypicalImages(index: FleetIndex, request: RoutingRequest): number {
  return typicalImagesIn(index, requestShape(request, index.fleet.typical));
}

/** `workInTypicalImages` of a request already resolved on the fleet's typical image. */
export function typicalImagesIn(index: FleetIndex, shape: RequestShape): number {
  const typical = index.fleet.typical;
  return shape.work / (typical.steps * typical.imageMegapixels);
}

/** Whether a request has less work than one typical image ({@link workInTypicalImages}). */
export function isSmallRequest(index: FleetIndex, request: RoutingRequest): boolean {
  return workInTypicalImages(index, request) < 1;
}

/**
 * Candidates for this request: `index.choices`, times `SMALL_REQUEST_CHOICES_FACTOR` (at most every
 * pool) for a request with less work than one typical image or with `VERY_LARGE_REQUEST_IMAGES`
 * typical images or more. Power of d keeps isolates from herding onto one pool, but a small request
 * adds little load wherever it goes, so herding small ones costs little; what costs them is landing
 * beside a big batch (their slowdown), which more looks avoid. In the simulator (mixed sizes, 16
 * pools) the p99 of slowdown over the oracle's went 2.29 -> 1.79 (sublinear, rho 0.7), 3.54 ->
 * 2.91 (mixed curves, rho 0.9) and 2.47 -> 1.96 (near-linear, rho 0.7), p99 latency no worse; the
 * uniform points are untouched (no request there is smaller than typical). See
 * `VERY_LARGE_REQUEST_IMAGES` for the other end.
 *
 * @example
 * choicesFor(index, { ...request, images: 1, steps: 4, imageMegapixels: 0.065536 }); // 16
 */
export function choicesFor(index: FleetIndex, request: RoutingRequest): number {
  return choicesAt(index, workInTypicalImages(index, request));
}

/** `choicesFor` a request of `work` typical images (`workInTypicalImages`). */
export function choicesAt(index: FleetIndex, work: number): number {
  return work < 1 || work >= VERY_LARGE_REQUEST_IMAGES
    ? Math.min(index.pools.length, index.choices * SMALL_REQUEST_CHOICES_FACTOR)
    : index.choices;
}

/**
 * Work, in typical images, from which a request also samples as many pools as a small one
 * (`choicesFor`). Such requests are few (7% of the simulator's mixed requests) but carry much of
 * the work (42%) and hold a pool for many seconds, so they make the p99: at
 * `work-mixed-curves-isolates-128` the ones in it had gone to pools 1.35x slower alone than the
 * best at the median, against the oracle's 1.12, the best pool often not among the 8 drawn. The
 * load forecast already prices the herd into every score (`DEFAULT_CHOICES`), so more draws only
 * find the better pool. Every request above one typical image drawing that many was tried too: p99
 * better, but more of them beside small images (worst slowdown 1.340 -> 1.392). From 8: p99 over
 * the oracle's better at 13 of 15 work points, the worst 1.210 -> 1.190, slowdown about even
 * (worst 1.340 -> 1.336; `bench/routing/README.md`).
 */
export const VERY_LARGE_REQUEST_IMAGES = 8;

/** See `choicesFor`. */
export const SMALL_REQUEST_CHOICES_FACTOR = 2;
