import { describe, expect, it } from 'vitest';
import { requestWork } from '../../shared/index.ts';
import {
  MEGAPIXELS_512,
  nearLinearCurve,
  now,
  policy,
  request,
  seeded,
  workPool,
} from '../testing/routing-fixtures.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type RoutingRequest } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';
import { delayToBatchMs, type PoolSpeed, requestShape } from './work-model.ts';

/** A request of `n` images of 512x512 at `steps`, its work resolved as the edge does. */
function of512(n: number, steps: number): RoutingRequest {
  return {
    ...request,
    images: n,
    steps,
    imageMegapixels: MEGAPIXELS_512,
    work: requestWork({ n, steps, size: '512x512' }),
  };
}

const typical = { steps: 20, imageMegapixels: MEGAPIXELS_512 };
const beside = (images: number) => ({
  images,
  perWaitingImage: 20 * MEGAPIXELS_512,
  imageMegapixels: MEGAPIXELS_512,
});

describe('routing: the delay a request adds to the images beside it', () => {
  it('delay: none on an idle pool or a flat curve; on a near-linear one it grows with the request', () => {
    const nearLinear: PoolSpeed = { curve: nearLinearCurve(), scale: 1, slots: 8 };
    const flat: PoolSpeed = {
      curve: [
        { batch_megapixels: 0.1, step_ms: 50 },
        { batch_megapixels: 8, step_ms: 50 },
      ],
      scale: 1,
      slots: 8,
    };
    const big = requestShape(of512(4, 30), typical);
    const small = requestShape(of512(1, 4), typical);
    expect(delayToBatchMs(nearLinear, beside(0), big, typical)).toBe(0);
    expect(delayToBatchMs(flat, beside(3), big, typical)).toBeCloseTo(0);
    // Three images beside it, each 30 steps slower by its 4 images' share of the step.
    expect(delayToBatchMs(nearLinear, beside(3), big, typical)).toBeCloseTo(
      3 * 30 * 100 * 4 * MEGAPIXELS_512,
    );
    expect(delayToBatchMs(nearLinear, beside(3), small, typical)).toBeLessThan(
      delayToBatchMs(nearLinear, beside(3), big, typical) / 20,
    );
    // Only as many as share its batch: a full pool's queue does not.
    expect(delayToBatchMs(nearLinear, beside(40), big, typical)).toBeCloseTo(
      4 * 30 * 100 * 4 * MEGAPIXELS_512,
    );
  });

  it('pick: a large request takes an idle slower pool over a faster one it would slow for three others; a typical one the fastest', () => {
    const busyFast = workPool('busy-fast', { running: 3, runningWork: 3 * 10 * MEGAPIXELS_512 });
    const idleSlow = workPool('idle-slow', { stepCurve: nearLinearCurve(250) });
    const index = indexFleet([busyFast, idleSlow], 'tiny', policy);
    const pick = (routingRequest: RoutingRequest) =>
      pickPools(index, {
        request: routingRequest,
        observations: noObservations,
        policy,
        now,
        random: seeded(3),
      });
    const [large, ...largeRest] = pick(of512(4, 30));
    // The busy pool would finish it sooner, but at three other images' expense.
    expect(large?.pool.poolId).toBe('idle-slow');
    expect(largeRest[0]?.pool.poolId).toBe('busy-fast');
    expect(largeRest[0]?.predictedMs ?? 0).toBeLessThan(large?.predictedMs ?? 0);
    const [first, ...rest] = pick(of512(1, 20));
    expect(first?.predictedMs ?? 0).toBeLessThanOrEqual(Math.min(...rest.map((entry) => entry.predictedMs)));
  });
});
