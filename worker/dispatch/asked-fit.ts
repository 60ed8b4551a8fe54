import type { GenerationRequest } from '../../shared/index.ts';
import { type PoolView, type RoutingRequest, requestMisfit } from '../routing/index.ts';

/** What the request itself asked for (size, steps), for routing to match against pools. */
export function askedOf(request: Pick<GenerationRequest, 'size' | 'steps'>): {
  asked?: RoutingRequest['asked'];
} {
  const { size, steps } = request;
  if (size === undefined && steps === undefined) return {};
  return { asked: { ...(size === undefined ? {} : { size }), ...(steps === undefined ? {} : { steps }) } };
}

/**
 * The routing request without what it asked for when no pool the tenant may use serves that
 * size or step count at all: routed as before, the pool answers 400 naming what it does serve.
 * While some pool serves it, the request keeps waiting for that one (503 when none is eligible).
 */
export function unlessNoneServes(
  request: RoutingRequest,
  pools: readonly PoolView[],
  servable: (pool: PoolView) => boolean,
): RoutingRequest {
  if (pools.some((pool) => servable(pool) && requestMisfit(pool, request) === null)) return request;
  const { asked: _asked, ...rest } = request;
  return rest;
}
