import { describe, expect, it } from 'vitest';
import { requestWork } from '../../shared/index.ts';
import { IsolateObservations } from '../fleet/local-observations.ts';
import { indexFleet, MAX_REROUTES, type RoutingRequest } from '../routing/index.ts';
import { now, policy, request, tinyDefaults, workPool } from '../testing/routing-fixtures.ts';
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
  } = {},
) {
  const idle = { ...workPool('idle'), pricePerImage: options.idlePrice ?? null };
  const index = indexFleet([workPool('busy'), idle], 'tiny', policy);
  return {
    observations,
    ack: acknowledgementPolicy({
      index,
      request: options.request ?? typical,
      observations,
      now: () => now,
      routedAt: options.routedAt ?? now,
    }),
  };
}

describe('acknowledgement policy (what the Worker does with a pool’s events)', () => {
  it('acknowledgement: a request queued far behind moves to an idle pool, at most MAX_REROUTES times', () => {
    const { ack } = policyFor();
    const move = (position: number, moves: number) =>
      ack.shouldMove?.(candidate('busy'), position, candidate('idle'), moves) ?? false;
    expect(move(40, 0)).toBe(true);
    expect(move(40, MAX_REROUTES - 1)).toBe(true);
    expect(move(40, MAX_REROUTES)).toBe(false);
    // Next for a slot: the queue is all but gone, moving gains nothing.
    expect(move(0, 0)).toBe(false);
  });

  it('acknowledgement: no move to an alternative that is no sooner, nor to a pool outside the index', () => {
    const { ack, observations } = policyFor();
    // The idle pool already carries more of this isolate's work than the queue ahead at `busy`.
    for (let sent = 0; sent < 60; sent++)
      observations.begin('idle', now, { work: typical.work ?? 0, images: 1 });
    expect(ack.shouldMove?.(candidate('busy'), 2, candidate('idle'), 0)).toBe(false);
    expect(ack.shouldMove?.(candidate('busy'), 40, candidate('elsewhere'), 0)).toBe(false);
  });

  it('acknowledgement: a queued request that still meets its objective stays off a priced pool', () => {
    const queued = (objectiveMs: number, routedAt = now) =>
      policyFor(new IsolateObservations(), {
        request: { ...typical, objectiveMs },
        idlePrice: 0.05,
        routedAt,
      }).ack.shouldMove?.(candidate('busy'), 40, candidate('idle'), 0) ?? false;
    // A generous objective is met where it waits: the priced pool is not worth paying for.
    expect(queued(3_600_000)).toBe(false);
    // A tight one is missed where it waits: it spills.
    expect(queued(1)).toBe(true);
    // The objective counts from routing: one almost spent by now is missed as well.
    expect(queued(3_600_000, now - 3_600_000)).toBe(true);
    // Without an objective the move is on time alone, as before.
    expect(
      policyFor(new IsolateObservations(), { idlePrice: 0.05 }).ack.shouldMove?.(
        candidate('busy'),
        40,
        candidate('idle'),
        0,
      ),
    ).toBe(true);
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
});
