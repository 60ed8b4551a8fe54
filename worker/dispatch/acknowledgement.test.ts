import { describe, expect, it } from 'vitest';
import { requestWork } from '../../shared/index.ts';
import { IsolateObservations } from '../fleet/local-observations.ts';
import { indexFleet, MAX_REROUTES, pickPools, type RoutingRequest } from '../routing/index.ts';
import { now, policy, request, seeded, tinyDefaults, workPool } from '../testing/routing-fixtures.ts';
import { acknowledgementPolicy } from './acknowledgement.ts';
import type { DispatchCandidate } from './dispatch-types.ts';

const typical: RoutingRequest = {
  ...request,
  steps: tinyDefaults.steps,
  imageMegapixels: 0.262144,
  work: requestWork({ n: 1, ...tinyDefaults }),
};
const candidate = (poolId: string): DispatchCandidate => ({
  poolId,
  providerId: 'prov-a',
  url: `http://${poolId}.test`,
  protocol: 'gpu-node',
});

function policyFor(
  observations = new IsolateObservations(),
  options: {
    readonly request?: RoutingRequest;
    readonly idlePrice?: number;
    readonly routedAt?: number;
    /** Pools the fresh pick names, instead of routing's own pick over the index. */
    readonly picks?: readonly DispatchCandidate[];
  } = {},
) {
  const idle = { ...workPool('idle'), pricePerImage: options.idlePrice ?? null };
  const index = indexFleet([workPool('busy'), idle], 'tiny', policy);
  const routingRequest = options.request ?? typical;
  const repick = (leaving: string): DispatchCandidate[] =>
    options.picks
      ? [...options.picks]
      : pickPools(index, { request: routingRequest, observations, policy, now, random: seeded(7) })
          .filter(({ pool }) => pool.poolId !== leaving)
          .map(({ pool, predictedMs }) => ({ ...candidate(pool.poolId), predictedMs }));
  return {
    observations,
    ack: acknowledgementPolicy({
      index,
      request: routingRequest,
      observations,
      now: () => now,
      routedAt: options.routedAt ?? now,
      repick,
    }),
  };
}

/** Where the policy moves the request, or null if it stays. */
function movedTo(
  ack: ReturnType<typeof policyFor>['ack'],
  position: number,
  moves = 0,
  batchMegapixels?: number,
): string | null {
  return ack.moveTo?.(candidate('busy'), { position, batchMegapixels }, moves)?.[0]?.poolId ?? null;
}

describe('acknowledgement policy (what the Worker does with a pool’s events)', () => {
  it('acknowledgement: a request queued far behind moves to an idle pool, at most MAX_REROUTES times', () => {
    const { ack } = policyFor();
    expect(movedTo(ack, 40, 0)).toBe('idle');
    expect(movedTo(ack, 40, MAX_REROUTES - 1)).toBe('idle');
    expect(movedTo(ack, 40, MAX_REROUTES)).toBeNull();
    // Next for a slot: the queue is all but gone, moving gains nothing.
    expect(movedTo(ack, 0, 0)).toBeNull();
  });

  it('acknowledgement: a waiting request is priced on the wait its pool states, not on its position', () => {
    const { ack } = policyFor();
    const waiting = (startInMs: number) => ({ position: 40, batchMegapixels: 0.262144, startInMs });
    const soon = ack.remainingMs?.(candidate('busy'), waiting(10)) ?? 0;
    const late = ack.remainingMs?.(candidate('busy'), waiting(20_000)) ?? 0;
    expect(late - soon).toBeCloseTo(19_990, 6);
    // Forty images ahead, but the pool says a slot frees at once: it stays where it is.
    expect(movedTo(ack, 40, 0)).toBe('idle');
    expect(ack.moveTo?.(candidate('busy'), waiting(10), 0) ?? null).toBeNull();
    expect(ack.moveTo?.(candidate('busy'), waiting(20_000), 0)?.[0]?.poolId).toBe('idle');
    // Next for a slot with a stated wait is still waiting, not a call that went into a batch.
    expect(
      ack.moveTo?.(candidate('busy'), { position: 0, batchMegapixels: 0.262144, startInMs: 20_000 }, 0)?.[0]
        ?.poolId,
    ).toBe('idle');
  });

  it('acknowledgement: a request that went straight into a batch far heavier than its own moves', () => {
    const { ack } = policyFor();
    // Sixteen images of its size beside it on a near-linear curve: ~16x its time on the idle pool.
    expect(movedTo(ack, 0, 0, 16 * 0.262144)).toBe('idle');
    expect(movedTo(ack, 0, MAX_REROUTES, 16 * 0.262144)).toBeNull();
    // Alone, or beside one small image: the idle pool is not sooner by the started margin.
    expect(movedTo(ack, 0, 0, 0.262144)).toBeNull();
    expect(movedTo(ack, 0, 0, 1.2 * 0.262144)).toBeNull();
    // A pool that does not say the batch's size: nothing to judge.
    expect(movedTo(ack, 0, 0, undefined)).toBeNull();
    // The only other pool runs a batch of its own (four images of this isolate's): no room there.
    const crowded = policyFor();
    for (let sent = 0; sent < 4; sent++)
      crowded.observations.begin('idle', now, { work: typical.work ?? 0, images: 1 });
    expect(movedTo(crowded.ack, 0, 0, 16 * 0.262144)).toBeNull();
    // The pick already expected a batch that heavy there: it stays.
    const expected = ack.moveTo?.(
      { ...candidate('busy'), predictedMs: 1e9 },
      { position: 0, batchMegapixels: 16 * 0.262144 },
      0,
    );
    expect(expected).toBeNull();
  });

  it('acknowledgement: no move to an alternative that is no sooner, nor to a pool outside the index', () => {
    const { ack, observations } = policyFor();
    // The idle pool already carries more of this isolate's work than the queue ahead at `busy`.
    for (let sent = 0; sent < 60; sent++)
      observations.begin('idle', now, { work: typical.work ?? 0, images: 1 });
    expect(movedTo(ack, 2)).toBeNull();
    const elsewhere = policyFor(new IsolateObservations(), {
      picks: [{ ...candidate('elsewhere'), predictedMs: 1 }],
    });
    expect(movedTo(elsewhere.ack, 40)).toBeNull();
  });

  it('acknowledgement: a queued request that still meets its objective stays off a priced pool', () => {
    const queued = (objectiveMs: number, routedAt = now) =>
      movedTo(
        policyFor(new IsolateObservations(), {
          request: { ...typical, objectiveMs },
          idlePrice: 0.05,
          routedAt,
        }).ack,
        40,
      );
    // A generous objective is met where it waits: the priced pool is not worth paying for.
    expect(queued(3_600_000)).toBeNull();
    // A tight one is missed where it waits: it spills.
    expect(queued(1)).toBe('idle');
    // The objective counts from routing: one almost spent by now is missed as well.
    expect(queued(3_600_000, now - 3_600_000)).toBe('idle');
    // Without an objective the move is on time alone, as before.
    expect(movedTo(policyFor(new IsolateObservations(), { idlePrice: 0.05 }).ack, 40)).toBe('idle');
  });

  it('acknowledgement: events feed progress, pace and round trips of the pool', () => {
    const { ack, observations } = policyFor();
    const end = observations.begin('busy', now - 50);
    ack.onRoundTrip?.('busy', 30);
    ack.onPoolProgress?.('busy', now);
    ack.onEventGap?.('busy', 120);
    expect(observations.networkMs.get('busy')).toBe(30);
    expect(observations.lastProgressAt.get('busy')).toBe(now);
    expect(observations.stepIntervalMs.get('busy')).toBe(120);
    end();
  });

  it('acknowledgement: prices what is left of a tied call from where its pool says it landed', () => {
    const { ack } = policyFor();
    const priced = (position: number, batchMegapixels?: number, predictedMs?: number) =>
      ack.remainingMs?.(
        { ...candidate('busy'), ...(predictedMs ? { predictedMs } : {}) },
        { position, batchMegapixels },
      ) ?? Number.NaN;
    const alone = priced(0, 0.262144);
    // A heavier batch, and a longer queue, leave more to wait for.
    expect(priced(0, 8 * 0.262144)).toBeGreaterThan(alone);
    expect(priced(20)).toBeGreaterThan(priced(2));
    expect(priced(2)).toBeGreaterThan(alone);
    // Next for a slot without the batch's size: the pick's prediction stands.
    expect(priced(0, undefined, 420)).toBe(420);
    expect(priced(0)).toBe(Number.POSITIVE_INFINITY);
    // A pool outside the decision's index is priced at its prediction too.
    expect(ack.remainingMs?.({ ...candidate('elsewhere'), predictedMs: 77 }, { position: 3 })).toBe(77);
    // Alone on the pool is the soonest it could come back: never later than any acknowledgement.
    const unloaded = ack.unloadedMs?.(candidate('busy')) ?? Number.NaN;
    expect(unloaded).toBeGreaterThan(0);
    expect(unloaded).toBeLessThanOrEqual(alone);
    expect(ack.unloadedMs?.(candidate('elsewhere'))).toBe(0);
  });

  it('acknowledgement: a running call late by its pace is hedged on the fresh pick only where that pick is worth it', () => {
    const { ack } = policyFor();
    const order = (projectedRemainingMs: number) =>
      ack.hedgeTo?.(candidate('busy'), { elapsedMs: 500, projectedRemainingMs, predictedMs: 400 }) ?? null;
    // The idle pool runs the request in well under half of 60 s; not in under half of its own time.
    const idleMs = ack.unloadedMs?.(candidate('idle')) ?? Number.NaN;
    expect(order(60_000)?.map((next) => next.poolId)).toEqual(['idle']);
    expect(order(idleMs)).toBeNull();
  });

  it('acknowledgement: a late or stalled call is copied along a fresh pick without its own pool', () => {
    const { ack } = policyFor();
    expect(ack.copyTo?.(candidate('busy')).map((next) => next.poolId)).toEqual(['idle']);
    expect(ack.copyTo?.(candidate('idle')).map((next) => next.poolId)).toEqual(['busy']);
  });
});
