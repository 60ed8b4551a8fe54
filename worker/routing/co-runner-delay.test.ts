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
import { expectedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type RoutingRequest } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';
import { delayToBatchMs, type PoolSpeed, requestShape } from './work-model.ts';

/** A request of `n` images of `size` at `steps`, its work resolved as the edge does. */
function sized(n: number, steps: number, size: '512x512' | '1024x1024'): RoutingRequest {
  const megapixels = size === '512x512' ? MEGAPIXELS_512 : 4 * MEGAPIXELS_512;
  return { ...request, images: n, steps, imageMegapixels: megapixels, work: requestWork({ n, steps, size }) };
}

const typical = { steps: 20, imageMegapixels: MEGAPIXELS_512 };
/** `images` running, each of `megapixels` (default half a 512x512 image). */
const beside = (images: number, megapixels = MEGAPIXELS_512 / 2) => ({
  images,
  perWaitingImage: 20 * megapixels,
  imageMegapixels: megapixels,
});

describe('routing: the delay a request adds to the images beside it', () => {
  it('delay: none on an idle pool, a flat curve or beside images as large; on a near-linear one it grows with the request', () => {
    const nearLinear: PoolSpeed = { curve: nearLinearCurve(), scale: 1, slots: 8 };
    const flat: PoolSpeed = {
      curve: [
        { batch_megapixels: 0.1, step_ms: 50 },
        { batch_megapixels: 8, step_ms: 50 },
      ],
      scale: 1,
      slots: 8,
    };
    const big = requestShape(sized(4, 30, '512x512'), typical);
    const small = requestShape(sized(1, 4, '512x512'), typical);
    expect(delayToBatchMs(nearLinear, beside(0), big, typical)).toBe(0);
    expect(delayToBatchMs(flat, beside(3), big, typical)).toBeCloseTo(0);
    // Three images half its size beside it, each 30 steps slower by its 4 images' share of the
    // step, counted at half: the part that falls on images smaller than its own.
    expect(delayToBatchMs(nearLinear, beside(3), big, typical)).toBeCloseTo(
      0.5 * 3 * 30 * 100 * 4 * MEGAPIXELS_512,
    );
    // Beside images as large as its own the slowing is mutual: its own completion prices it.
    expect(delayToBatchMs(nearLinear, beside(3, MEGAPIXELS_512), big, typical)).toBe(0);
    expect(delayToBatchMs(nearLinear, beside(3), small, typical)).toBeLessThan(
      delayToBatchMs(nearLinear, beside(3), big, typical) / 20,
    );
    // Only as many as share its batch: a full pool's queue does not.
    expect(delayToBatchMs(nearLinear, beside(40), big, typical)).toBeCloseTo(
      0.5 * 4 * 30 * 100 * 4 * MEGAPIXELS_512,
    );
  });

  it('pick: a large request takes an idle slower pool over a faster one it would slow for three others; a typical one the fastest', () => {
    const busyFast = workPool('busy-fast', { running: 3, runningWork: 3 * 10 * MEGAPIXELS_512 });
    const idleSlow = workPool('idle-slow', { stepCurve: nearLinearCurve(150) });
    const index = indexFleet([busyFast, idleSlow], 'tiny', policy);
    const pick = (routingRequest: RoutingRequest) =>
      pickPools(index, {
        request: routingRequest,
        observations: noObservations,
        policy,
        now,
        random: seeded(3),
      });
    // Four 1024 px images beside three 512 px ones (the pool's typical image, as it reports no
    // step time to tell their size by).
    const [large, ...largeRest] = pick(sized(4, 30, '1024x1024'));
    // The busy pool would finish it sooner, but at three smaller images' expense.
    expect(large?.pool.poolId).toBe('idle-slow');
    expect(largeRest[0]?.pool.poolId).toBe('busy-fast');
    expect(largeRest[0]?.predictedMs ?? 0).toBeLessThan(large?.predictedMs ?? 0);
    const [first, ...rest] = pick(sized(1, 20, '512x512'));
    expect(first?.predictedMs ?? 0).toBeLessThanOrEqual(Math.min(...rest.map((entry) => entry.predictedMs)));
  });

  it('pick: a large request is scored between the forecast and the known load', () => {
    // A second old: three fast pools full, one fast pool and one a fifth slower both idle. The
    // forecast fills the idle fast pool with the herd's typical images.
    const reportedAt = now - 1_000;
    const full = { running: 8, runningWork: 8 * 20 * MEGAPIXELS_512, reportedAt };
    const pools = [
      ...Array.from({ length: 3 }, (_, at) => workPool(`full-${at}`, full)),
      workPool('fast', { reportedAt }),
      workPool('slower', { reportedAt, stepCurve: nearLinearCurve(120, 6) }),
    ];
    const index = indexFleet(pools, 'tiny', policy);
    const large = sized(2, 30, '512x512');
    const [first] = pickPools(index, {
      request: large,
      observations: noObservations,
      policy,
      now,
      random: seeded(3),
    });
    const completionOf = (poolId: string, forecastArrivals: boolean) => {
      const pool = pools.find((entry) => entry.poolId === poolId);
      return pool
        ? expectedCompletionMs(pool, large, noObservations, index.fleet, now, { forecastArrivals })
        : Number.NaN;
    };
    // On the forecast alone the slower pool would finish it first; between the two views, the fast one.
    expect(completionOf('fast', true)).toBeGreaterThan(completionOf('slower', true));
    expect(first?.pool.poolId).toBe('fast');
    expect(first?.predictedMs).toBeCloseTo(
      Math.sqrt(completionOf('fast', true) * completionOf('fast', false)),
      6,
    );
  });
});
