import { describe, expect, it } from 'vitest';
import { requestWork } from '../../shared/index.ts';
import {
  firstPicks,
  MEGAPIXELS_512,
  nearLinearCurve,
  now,
  policy,
  pool,
  request,
  tinyDefaults,
  workPool,
} from '../testing/routing-fixtures.ts';
import { expectedCompletionMs } from './expected-completion.ts';
import { DEFAULT_CHOICES, indexFleet } from './fleet-index.ts';
import { type LocalObservations, noObservations, type PoolView, type RoutingRequest } from './fleet-view.ts';
import { hedgeDelayMs } from './hedging.ts';
import { choicesFor, SMALL_REQUEST_CHOICES_FACTOR } from './request-size.ts';
import { acknowledgedRemainingMs } from './reroute.ts';
import { curveIdleScale, IDLE_JOB_MS_HALF_LIFE_MS } from './scoring.ts';
import { isStalled, STALL_STEP_INTERVALS } from './stall.ts';
import {
  modelDefaultsOf,
  QUEUE_WAIT_MARGIN,
  referenceStepMs,
  requestShape,
  typicalImageOf,
} from './work-model.ts';

/** A request of `n` images of `size` at `steps`, with its work resolved as the edge does. */
function sized(n: number, steps: number, size: string): RoutingRequest {
  const [width = 0, height = 0] = size.split('x').map(Number);
  return {
    ...request,
    images: n,
    steps,
    imageMegapixels: (width * height) / 1_000_000,
    work: requestWork({ n, steps, size }),
  };
}

const typicalRequest = sized(1, tinyDefaults.steps, tinyDefaults.size);

/** Work left of `images` 512x512 images with `stepsLeft` steps to go. */
const runningWorkOf = (images: number, stepsLeft: number) => images * MEGAPIXELS_512 * stepsLeft;

const predicted = (
  target: PoolView,
  routingRequest: RoutingRequest = typicalRequest,
  observations: LocalObservations = noObservations,
  fleet: readonly PoolView[] = [target],
) => expectedCompletionMs(target, routingRequest, observations, indexFleet(fleet, 'tiny', policy).fleet, now);

describe('routing completion model: the pool curve and the request work', () => {
  it('routing: an idle pool finishes a request in its steps at the step time of its own batch', () => {
    // 20 steps of one 512x512 image at 4 + 100 ms per megapixel.
    expect(predicted(workPool('p'))).toBeCloseTo(20 * (4 + 100 * MEGAPIXELS_512));
  });

  it('routing: a pool with free slots but a near-linear curve is not nearly free', () => {
    // Six of eight slots busy with 15 steps to go: the request joins a batch that steps ~6x slower.
    const busy = workPool('p', { running: 6, runningWork: runningWorkOf(6, 15) });
    const idle = predicted(workPool('p'));
    expect(predicted(busy)).toBeGreaterThan(4 * idle);
    // Exactly: all 20 steps with seven images (in steady state a batch stays as full as it is,
    // new arrivals taking the places of finished images).
    const together = 4 + 100 * 7 * MEGAPIXELS_512;
    expect(predicted(busy)).toBeCloseTo(20 * together, 6);
    // The same pool with a curve that batches for free is nearly free.
    const flat = [1, 8].map((images) => ({ batch_megapixels: images * MEGAPIXELS_512, step_ms: 30 }));
    expect(predicted({ ...busy, stepCurve: flat })).toBeLessThan(1.05 * 20 * 30);
  });

  it('routing: an unmeasured curve assumes no batching gain, never the optimistic one', () => {
    const load = { running: 6, runningWork: runningWorkOf(6, 20) };
    // A pool that has measured one image only: the batch it would join costs in proportion.
    const onePoint = workPool('p', { ...load, stepCurve: nearLinearCurve().slice(0, 1) });
    const measured = workPool('p', load);
    expect(predicted(onePoint)).toBeGreaterThanOrEqual(predicted(measured));
    // A pool that has measured nothing: the fleet's median single-image pace, no batching gain.
    const fresh = workPool('fresh', { ...load, stepCurve: [] });
    const veteran = workPool('fresh', load);
    const others = [workPool('a'), workPool('b')];
    expect(predicted(fresh, typicalRequest, noObservations, [fresh, ...others])).toBeGreaterThanOrEqual(
      predicted(veteran, typicalRequest, noObservations, [veteran, ...others]),
    );
    // An older pool without a work section: every typical image ahead costs its job time.
    const old = pool('old', {
      slots: 8,
      running: 6,
      jobMs: 600,
      modelDefaults: new Map([['tiny', tinyDefaults]]),
    });
    expect(predicted(old)).toBeCloseTo(7 * 600);
  });

  it('routing: work, not images, measures load across mixed sizes', () => {
    // Two images of 1024x1024 at 50 steps outweigh six of 256x256 at 4 steps.
    const bigWork = requestWork({ n: 2, steps: 50, size: '1024x1024' });
    const smallWork = requestWork({ n: 6, steps: 4, size: '256x256' });
    // Each reports the step time of its batch, which the curve reads back as its megapixels.
    const heavy = workPool('heavy', { running: 2, runningWork: bigWork, stepMs: 4 + 100 * 2 * 1.048576 });
    const light = workPool('light', { running: 6, runningWork: smallWork, stepMs: 4 + 100 * 6 * 0.065536 });
    const fleet = [heavy, light];
    for (const poolId of firstPicks(fleet, typicalRequest, 20)) expect(poolId).toBe('light');
    // A request's own size counts: 4 images at 50 steps take far longer than one at 4 steps.
    const target = workPool('p');
    expect(predicted(target, sized(4, 50, '512x512'))).toBeGreaterThan(
      40 * predicted(target, sized(1, 4, '512x512')),
    );
    // Own sends after the figure join the batch by their images; sends before it are in it
    // already. A newer piggybacked work figure wins over the snapshot's.
    const stale = workPool('p', { reportedAt: now - 500 });
    const own = (sentAt: number): LocalObservations => ({
      ...noObservations,
      inFlight: new Map([['p', 1]]),
      inFlightSends: new Map([['p', [{ sentAt, work: smallWork, images: 6 }]]]),
    });
    expect(predicted(stale, typicalRequest, own(now - 100))).toBeGreaterThan(1.5 * predicted(stale));
    expect(predicted({ ...stale, running: 6 }, typicalRequest, own(now - 900))).toBeCloseTo(
      predicted({ ...stale, running: 6 }),
    );
    const piggybacked: LocalObservations = {
      ...noObservations,
      piggybacked: new Map([
        [
          'p',
          {
            queued: 4,
            running: 8,
            queuedWork: runningWorkOf(4, 20),
            runningWork: runningWorkOf(8, 10),
            at: now - 10,
          },
        ],
      ]),
    };
    expect(predicted(stale, typicalRequest, piggybacked)).toBeGreaterThan(4 * predicted(stale));
  });

  it('routing: the hedge timer runs on the request’s own prediction', () => {
    const target = workPool('p');
    const big = sized(4, 50, '1024x1024');
    const bigMs = predicted(target, big);
    const smallMs = predicted(target, sized(1, 4, '256x256'));
    // The big request is not hedged before it can possibly finish, the small one is not kept waiting.
    expect(hedgeDelayMs(bigMs)).toBeGreaterThan(bigMs * 1.5);
    expect(hedgeDelayMs(smallMs)).toBeLessThan(hedgeDelayMs(bigMs) / 10);
    expect(bigMs).toBeGreaterThan(50 * (4 + 100 * 4 * 1.048576) * 0.99);
  });

  it('routing: the acknowledgement’s images ahead price a queued request on the pool’s curve and mix', () => {
    const target = workPool('p', {
      running: 8,
      queued: 4,
      runningWork: runningWorkOf(8, 10),
      queuedWork: runningWorkOf(4, 20),
    });
    const fleet = indexFleet([target], 'tiny', policy).fleet;
    const remaining = (images: number) =>
      acknowledgedRemainingMs(target, typicalRequest, { images }, fleet, 10);
    // 12 images ahead at 8 slots: 5 of them take their turn before the request (each a waiting
    // image's 20 steps at full-batch pace, with the queue margin), then it runs its 20 steps in a
    // full batch.
    const fullBatch = 8 * MEGAPIXELS_512;
    const fullStepMs = 4 + 100 * fullBatch;
    const turnMs = (runningWorkOf(1, 20) * fullStepMs) / fullBatch;
    expect(remaining(12)).toBeCloseTo(10 + QUEUE_WAIT_MARGIN * 5 * turnMs + 20 * fullStepMs, 6);
    // Every image more in front is one more turn; fewer than the free room cost no wait.
    expect(remaining(13) - remaining(12)).toBeCloseTo(QUEUE_WAIT_MARGIN * turnMs, 6);
    expect(remaining(3)).toBeLessThan(remaining(7));
    expect(remaining(7)).toBeCloseTo(10 + 20 * fullStepMs, 6);
  });
});

describe('routing request shapes and model defaults', () => {
  it('routing: the fleet’s most reported defaults fill what a request leaves out', () => {
    const other = { steps: 30, size: '1024x1024' };
    const pools = [
      workPool('a', { modelDefaults: new Map([['tiny', other]]) }),
      workPool('b'),
      workPool('c'),
    ];
    expect(modelDefaultsOf(pools, 'tiny')).toEqual(tinyDefaults);
    expect(modelDefaultsOf(pools, 'other')).toBeNull();
    const typical = typicalImageOf(tinyDefaults);
    expect(requestShape({ images: 2 }, typical)).toEqual({
      images: 2,
      steps: 20,
      imageMegapixels: MEGAPIXELS_512,
      work: 2 * 20 * MEGAPIXELS_512,
    });
    expect(requestShape({ images: 1, work: 10 * MEGAPIXELS_512 }, typical).steps).toBeCloseTo(10);
  });
});

describe('routing stall pace and stale curves', () => {
  it('routing: silence counts as a stall only past a few of the pool’s own step intervals', () => {
    const observations = (stepIntervalMs: number): LocalObservations => ({
      ...noObservations,
      inFlight: new Map([['p', 1]]),
      lastProgressAt: new Map([['p', now - 1_000]]),
      stepIntervalMs: new Map([['p', stepIntervalMs]]),
    });
    expect(isStalled('p', observations(50), policy, now)).toBe(true);
    expect(isStalled('p', observations(1_000 / STALL_STEP_INTERVALS + 1), policy, now)).toBe(false);
  });

  it('routing: an idle pool’s slow curve fades back to the fastest it has shown', () => {
    const slowCurve = nearLinearCurve(1_000, 40);
    const best = referenceStepMs(nearLinearCurve()) ?? 0;
    const slowed = workPool('p', {
      stepCurve: slowCurve,
      bestReferenceStepMs: best,
      idleSince: now - IDLE_JOB_MS_HALF_LIFE_MS,
    });
    const measured = referenceStepMs(slowCurve) ?? 0;
    expect(curveIdleScale(slowed, now) * measured).toBeCloseTo(best + (measured - best) / 2);
    expect(curveIdleScale({ ...slowed, idleSince: null }, now)).toBe(1);
    expect(curveIdleScale({ ...slowed, bestReferenceStepMs: null }, now)).toBe(1);
  });
});

describe('routing request size and sampling', () => {
  it('routing: a request smaller than a typical image, or of many typical images, looks at more pools', () => {
    const pools = Array.from({ length: 20 }, (_, index) => workPool(`p${index}`));
    const index = indexFleet(pools, 'tiny', policy);
    const wide = DEFAULT_CHOICES * SMALL_REQUEST_CHOICES_FACTOR;
    expect(choicesFor(index, typicalRequest)).toBe(DEFAULT_CHOICES);
    expect(choicesFor(index, sized(1, 4, '256x256'))).toBe(wide);
    // The typical image is 512x512 at 20 steps: 4 of them at 50 steps are 10, 2 at 30 steps are 3.
    expect(choicesFor(index, sized(4, 50, '512x512'))).toBe(wide);
    expect(choicesFor(index, sized(2, 30, '512x512'))).toBe(DEFAULT_CHOICES);
    expect(choicesFor(index, sized(3, 50, '512x512'))).toBe(DEFAULT_CHOICES);
    expect(choicesFor(index, sized(4, 50, '1024x1024'))).toBe(wide);
    expect(choicesFor(indexFleet(pools.slice(0, 10), 'tiny', policy), sized(1, 4, '256x256'))).toBe(10);
  });
});
