import { describe, expect, it } from 'vitest';
import { now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { expectedCompletionMs, unloadedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations } from './fleet-view.ts';

describe('prediction on known load (shedding)', () => {
  // Busy pools reported a second ago: the forecast replays arrivals onto every pool since then.
  const pools = [
    workPool('idle', { reportedAt: now - 1_000 }),
    ...['b', 'c', 'd'].map((id) =>
      workPool(id, { reportedAt: now - 1_000, running: 6, runningWork: 6 * 20 * 0.262144, jobMs: 2_000 }),
    ),
  ];
  const index = indexFleet(pools, 'tiny', policy);

  it('known load: never above the forecast prediction, and an idle pool is predicted idle', () => {
    for (const pool of index.pools) {
      const forecast = expectedCompletionMs(pool, request, noObservations, index.fleet, now);
      const known = expectedCompletionMs(pool, request, noObservations, index.fleet, now, {
        forecastArrivals: false,
      });
      expect(known).toBeLessThanOrEqual(forecast + 1e-9);
    }
    const idle = index.pools.find((pool) => pool.poolId === 'idle');
    if (!idle) throw new Error('no idle pool');
    const known = expectedCompletionMs(idle, request, noObservations, index.fleet, now, {
      forecastArrivals: false,
    });
    const forecastIdle = expectedCompletionMs(idle, request, noObservations, index.fleet, now);
    // The forecast sends it the arrivals it assumes; the known load has none of them.
    expect(forecastIdle).toBeGreaterThan(1.5 * known);
    expect(known).toBeCloseTo(unloadedCompletionMs(idle, request, noObservations, index.fleet), 6);
  });
});
