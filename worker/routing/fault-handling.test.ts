import { describe, expect, it } from 'vitest';
import { requestWork } from '../../shared/index.ts';
import { now, policy, pool, request, tinyDefaults, workPool } from '../testing/routing-fixtures.ts';
import { ineligibility, soonestReturnAt } from './eligibility.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations } from './fleet-view.ts';
import { hedgeDecision, hedgeDelayMs, mayHedge } from './hedging.ts';
import {
  acknowledgedRemainingMs,
  MAX_REROUTES,
  shouldReroute,
  startedRemainingMs,
  worthRepicking,
} from './reroute.ts';
import { isStalled } from './stall.ts';
import { raiseSuspicion, SUSPICION_MAX_MS, suspicionCleared } from './suspicion.ts';
import { QUEUE_WAIT_MARGIN } from './work-model.ts';

const typical = {
  ...request,
  steps: tinyDefaults.steps,
  imageMegapixels: 0.262144,
  work: requestWork({ n: 1, ...tinyDefaults }),
};
const busy = (lastProgressAt: number, inFlight = 1) => ({
  ...noObservations,
  inFlight: new Map([['p', inFlight]]),
  lastProgressAt: new Map([['p', lastProgressAt]]),
});

describe('routing stall detection', () => {
  it('routing: a pool with requests in flight and no progress for stallAfterMs is stalled', () => {
    expect(isStalled('p', busy(now - 401), policy, now)).toBe(true);
    expect(isStalled('p', busy(now - 399), policy, now)).toBe(false);
    expect(isStalled('p', busy(now - 10_000, 0), policy, now)).toBe(false);
    expect(isStalled('p', noObservations, policy, now)).toBe(false);
    expect(isStalled('p', busy(now - 401), { ...policy, stallAfterMs: 1_000 }, now)).toBe(false);
  });

  it("routing: a pool making a call's image after its last step is not stalled until that may take", () => {
    const finishing = (until: number) => ({ ...busy(now - 1_000), finishingUntil: new Map([['p', until]]) });
    expect(isStalled('p', finishing(now + 1), policy, now)).toBe(false);
    expect(isStalled('p', finishing(now), policy, now)).toBe(true);
    expect(isStalled('p', finishing(now - 500), policy, now)).toBe(true);
  });

  it('routing: a stalled or suspect pool is excluded', () => {
    expect(ineligibility(pool('p'), request, busy(now - 1_000), policy, now)).toBe('stalled');
    expect(ineligibility(pool('p', { suspectUntil: now + 1 }), request, noObservations, policy, now)).toBe(
      'suspect',
    );
    expect(
      ineligibility(pool('p', { suspectUntil: now - 1 }), request, noObservations, policy, now),
    ).toBeNull();
  });
});

describe('routing ejection', () => {
  const ejected = (refusedAt?: number) => ({
    ...noObservations,
    ejectedUntil: new Map([['p', now + 5_000]]),
    ...(refusedAt === undefined ? {} : { refusedAt: new Map([['p', refusedAt]]) }),
  });

  it('routing: a pool that refused a connection is back at its first report received after the refusal', () => {
    const refused = ejected(now - 2_000);
    expect(ineligibility(pool('p', { reportedAt: now - 2_500 }), request, refused, policy, now)).toBe(
      'ejected',
    );
    expect(ineligibility(pool('p', { reportedAt: now - 1_500 }), request, refused, policy, now)).toBeNull();
  });

  it('routing: a refusing pool that pushes no heartbeats stays ejected: its registry-written reports say nothing of life', () => {
    const refused = ejected(now - 2_000);
    const pulled = pool('p', { reportedAt: now - 1_500, protocol: 'openai-compatible' });
    expect(ineligibility(pulled, request, refused, policy, now)).toBe('ejected');
    expect(ineligibility({ ...pulled, protocol: 'gpu-node' }, request, refused, policy, now)).toBeNull();
  });

  it('routing: a 5xx or Retry-After ejection holds for its whole window whatever the pool reports', () => {
    expect(ineligibility(pool('p', { reportedAt: now - 100 }), request, ejected(), policy, now)).toBe(
      'ejected',
    );
  });

  it('routing: with every pool out, the first known return is when the first kept-out pool is back', () => {
    const observations = {
      ...noObservations,
      ejectedUntil: new Map([
        ['p', now + 5_000],
        ['q', now + 9_000],
      ]),
    };
    const fleet = [
      pool('p', { suspectUntil: now + 12_000 }),
      pool('q'),
      pool('r', { suspectUntil: now + 1_000, draining: true }),
      pool('s', { suspectUntil: now + 500, models: ['other'] }),
    ];
    // p is out until both its ends pass; r and s are out for reasons with no end, or do not serve it.
    expect(soonestReturnAt(fleet, request, observations, policy, now)).toBe(now + 9_000);
    expect(soonestReturnAt([pool('r', { draining: true })], request, observations, policy, now)).toBeNull();
    expect(soonestReturnAt(fleet.slice(0, 1), request, observations, policy, now)).toBe(now + 12_000);
    // A stale pool's return is unknown, however soon its suspicion ends.
    const stale = pool('t', { suspectUntil: now + 1_000, reportedAt: now - policy.telemetryTtlMs - 1 });
    expect(soonestReturnAt([stale], request, noObservations, policy, now)).toBeNull();
  });
});

describe('routing hedging', () => {
  const budget = { requests: 100, hedges: 0 };
  it('routing: a request is late at 2x its prediction, at least 300 ms past it', () => {
    expect(hedgeDelayMs(3_000)).toBe(6_000);
    expect(hedgeDelayMs(500)).toBe(1_000);
    expect(hedgeDelayMs(100)).toBe(400);
  });

  it('routing: waits until late, then hedges once within the budget', () => {
    const request = { sentAt: now, predictedMs: 2_000, poolStalled: false, hedged: false };
    expect(hedgeDecision(request, budget, now + 100)).toEqual({ kind: 'wait', checkAt: now + 4_000 });
    expect(hedgeDecision(request, budget, now + 4_000)).toEqual({ kind: 'hedge', reason: 'late' });
    expect(hedgeDecision({ ...request, hedged: true }, budget, now + 4_000)).toEqual({ kind: 'none' });
    expect(hedgeDecision(request, { requests: 100, hedges: 10 }, now + 4_000)).toEqual({ kind: 'none' });
  });

  it('routing: a request on a stalled pool is re-sent at once, budget or not', () => {
    const request = { sentAt: now, predictedMs: 2_000, poolStalled: true, hedged: false };
    expect(hedgeDecision(request, { requests: 10, hedges: 10 }, now + 1)).toEqual({
      kind: 'hedge',
      reason: 'stalled',
    });
  });

  it('routing: the hedge budget allows one hedge to start and then maxShare of requests', () => {
    expect(mayHedge({ requests: 0, hedges: 0 })).toBe(true);
    expect(mayHedge({ requests: 0, hedges: 1 })).toBe(false);
    expect(mayHedge({ requests: 1_000, hedges: 99 })).toBe(true);
    expect(mayHedge({ requests: 1_000, hedges: 100 })).toBe(false);
  });
});

describe('routing rerouting on acknowledgement', () => {
  it('routing: a queued request moves when the alternative is clearly sooner, at most twice', () => {
    const target = pool('p', { slots: 4 });
    const fleet = indexFleet([target], 'tiny', policy).fleet;
    // 12 images ahead on 4 slots, no measured batching gain (a batch of 4 steps in 4 job times):
    // 9 take their turn first, each a job time of work at full-batch pace (with the queue margin),
    // then its own step in a full batch.
    const remainingMs = acknowledgedRemainingMs(target, request, { images: 12 }, fleet, 10);
    expect(remainingMs).toBeCloseTo(10 + QUEUE_WAIT_MARGIN * 9 * 1_000 + 4_000);
    expect(shouldReroute({ started: false, moves: 0, remainingMs, alternativeMs: 1_300 })).toBe(true);
    expect(
      shouldReroute({ started: false, moves: MAX_REROUTES - 1, remainingMs, alternativeMs: 1_300 }),
    ).toBe(true);
    expect(shouldReroute({ started: false, moves: MAX_REROUTES, remainingMs, alternativeMs: 1_300 })).toBe(
      false,
    );
    expect(shouldReroute({ started: true, moves: 0, remainingMs, alternativeMs: remainingMs * 0.75 })).toBe(
      false,
    );
    expect(shouldReroute({ started: false, moves: 0, remainingMs, alternativeMs: remainingMs * 0.95 })).toBe(
      false,
    );
  });

  it('routing: a request put straight into a heavy batch is priced at its step time, and moves by a wider margin', () => {
    const curvePool = workPool('w');
    const fleet = indexFleet([curvePool], 'tiny', policy).fleet;
    const own = 0.262144;
    const alone = startedRemainingMs(curvePool, typical, own, fleet, 10);
    const beside = startedRemainingMs(curvePool, typical, 8 * own, fleet, 10);
    // The near-linear curve: eight images' batch steps ~7x slower than one's.
    expect(beside - 10).toBeGreaterThan(6 * (alone - 10));
    // A pool that counted less than its own image still prices at least that.
    expect(startedRemainingMs(curvePool, typical, own / 100, fleet, 10)).toBeCloseTo(alone);
    // Past the largest batch the pool measured (8 images) no time is guessed: a move is judged
    // on what was measured.
    expect(startedRemainingMs(curvePool, typical, 32 * own, fleet, 10)).toBeCloseTo(beside);
    const remainingMs = beside;
    /** Whether a call acknowledged `started` or not moves to an alternative predicted `share` of what it has left. */
    const moves = (started: boolean, share: number, unloadedShare?: number, done = 0) =>
      shouldReroute({
        started,
        moves: done,
        remainingMs,
        alternativeMs: remainingMs * share,
        ...(unloadedShare === undefined
          ? {}
          : { alternativeUnloadedMs: remainingMs * share * unloadedShare }),
      });
    expect(moves(true, 0.6)).toBe(true);
    expect(moves(true, 0.75)).toBe(false);
    expect(moves(false, 0.75)).toBe(true);
    // Only to room: a pool predicted to run it near its unloaded time, not another full batch.
    expect(moves(true, 0.5, 0.8)).toBe(true);
    expect(moves(true, 0.5, 0.5)).toBe(false);
    expect(moves(false, 0.5, 0.5)).toBe(true);
    expect(moves(true, 0.1, undefined, MAX_REROUTES)).toBe(false);
  });

  it('routing: an acknowledgement is worth a fresh pick when queued, or when its batch makes it far slower than picked', () => {
    expect(worthRepicking({ started: false, remainingMs: 1_000, predictedMs: 1_000 })).toBe(true);
    // The pick expected about this batch: nothing new to act on.
    expect(worthRepicking({ started: true, remainingMs: 1_000, predictedMs: 800 })).toBe(false);
    // The batch filled since the snapshot: three times what the pick expected.
    expect(worthRepicking({ started: true, remainingMs: 3_000, predictedMs: 1_000 })).toBe(true);
    expect(worthRepicking({ started: true, remainingMs: 3_000 })).toBe(true);
  });
});

describe('routing shared suspicion', () => {
  const figures = { queued: 3, running: 4, jobMs: 900 };
  it('routing: a suspicion holds while the pool repeats its figures and clears when they move', () => {
    const suspicion = raiseSuspicion(undefined, figures, now);
    expect(suspicion.until).toBe(now + SUSPICION_MAX_MS);
    expect(suspicionCleared(suspicion, { ...figures }, now + 5_000)).toBe(false);
    expect(suspicionCleared(suspicion, null, now + 5_000)).toBe(false);
    expect(suspicionCleared(suspicion, { ...figures, running: 3 }, now + 5_000)).toBe(true);
    expect(suspicionCleared(suspicion, { ...figures }, now + SUSPICION_MAX_MS)).toBe(true);
  });

  it('routing: a pool suspected of refusing is back with its first report taken after the suspicion', () => {
    const refused = raiseSuspicion(undefined, { ...figures, at: now - 200 }, now, 'refused');
    // The report it sent before it died, arriving late, proves nothing.
    expect(suspicionCleared(refused, { ...figures, at: now - 200 }, now + 100)).toBe(false);
    // A restarted pool often reports the very figures it died with: still back.
    expect(suspicionCleared(refused, { ...figures, at: now + 3_000 }, now + 3_050)).toBe(true);
    // A stalled pool keeps reporting its frozen figures with fresh timestamps: it stays suspect.
    const stalled = raiseSuspicion(undefined, { ...figures, at: now - 200 }, now, 'stalled');
    expect(suspicionCleared(stalled, { ...figures, at: now + 3_000 }, now + 3_050)).toBe(false);
  });

  it('routing: raising it again extends it but keeps the figures it was first raised on', () => {
    const first = raiseSuspicion(undefined, figures, now);
    const again = raiseSuspicion(first, { queued: 9, running: 9, jobMs: 1 }, now + 1_000);
    expect(again.figures).toEqual(figures);
    expect(again.since).toBe(now);
    expect(again.until).toBe(now + 1_000 + SUSPICION_MAX_MS);
  });
});
