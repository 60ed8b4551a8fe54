import type { FleetIndex } from './fleet-index.ts';
import type { RoutingRequest } from './fleet-view.ts';
import { requestShape } from './work-model.ts';

/**
 * A request's work in typical images of the fleet (its model's default steps and size): below 1
 * it samples more pools (`choicesFor`) and is tied (`tiesRequest`); above 1 its pick is charged
 * the delay it would add to the smaller images beside it (`bestFor`), and from
 * `VERY_LARGE_REQUEST_IMAGES` it samples more pools too.
 */
export function workInTypicalImages(index: FleetIndex, request: RoutingRequest): number {
  const typical = index.fleet.typical;
  return requestShape(request, typical).work / (typical.steps * typical.imageMegapixels);
}

/** Whether a request has less work than one typical image ({@link workInTypicalImages}). */
export function isSmallRequest(index: FleetIndex, request: RoutingRequest): boolean {
  return workInTypicalImages(index, request) < 1;
}
