import { describe, expect, it } from 'vitest';
import { now, policy, pool } from '../testing/routing-fixtures.ts';
import { heartbeatLagLimitMs } from './eligibility.ts';
import { indexFleet } from './fleet-index.ts';
import { forecastLoadAt, forecastLoads } from './load-forecast.ts';
import { effectiveJobMs, IDLE_JOB_MS_HALF_LIFE_MS } from './scoring.ts';
import { UNIT_IMAGE } from './work-model.ts';

describe('routing load forecast', () => {
  // Ten equal pools, one idle, the rest full with a queue: what the isolates will make of it.
  const pools = Array.from({ length: 10 }, (_, index) =>
    pool(`p${index}`, {
      slots: 8,
      running: index === 0 ? 0 : 8,
      queued: index === 0 ? 0 : 4,
      reportedAt: now,
    }),
  );
  // Work in images (one unit each); a batch of 8 steps 25% slower than one image.
  const curve = [
    { batch_megapixels: 1, step_ms: 1_000 },
    { batch_megapixels: 8, step_ms: 1_250 },
  ];
  const speeds = pools.map(() => ({ curve, scale: 1, slots: 8 }));
  const loads = pools.map((entry) => ({
    work: entry.queued + entry.running,
    images: entry.queued + entry.running,
  }));
  const weights = pools.map(() => 1);
  const imageWork = pools.map(() => ({ perImage: 1, perWaitingImage: 1, imageMegapixels: 1 }));
  const forecast = (choices: number) =>
    forecastLoads(speeds, loads, imageWork, weights, choices, now, UNIT_IMAGE);

  it('routing: the pool that looked idle fills and the full ones drain as the snapshot ages', () => {
    const sixChoices = forecast(6);
    expect(forecastLoadAt(sixChoices, 0, now)).toBe(0);
    expect(forecastLoadAt(sixChoices, 1, now)).toBe(12);
    const idleLater = forecastLoadAt(sixChoices, 0, now + 1_000);
    const fullLater = forecastLoadAt(sixChoices, 1, now + 1_000);
    expect(idleLater).toBeGreaterThan(4);
    expect(fullLater).toBeLessThan(12);
    // Within a second the herd has closed most of the gap between them.
    expect(fullLater - idleLater).toBeLessThan(4);
  });

  it('routing: arrivals match completions, so the fleet total stays put in steady state', () => {
    const twoChoices = forecast(2);
    const total = (at: number) =>
      pools.reduce((sum, _, position) => sum + forecastLoadAt(twoChoices, position, at), 0);
    expect(total(now + 2_000)).toBeGreaterThan(total(now) * 0.9);
    expect(total(now + 2_000)).toBeLessThan(total(now) * 1.1);
  });

  it('routing: times before the snapshot and past the horizon read the nearest end', () => {
    const twoChoices = forecast(2);
    expect(forecastLoadAt(twoChoices, 0, now - 5_000)).toBe(forecastLoadAt(twoChoices, 0, now));
    expect(forecastLoadAt(twoChoices, 0, now + 60_000)).toBe(forecastLoadAt(twoChoices, 0, now + 3_000));
  });

  it('routing: the index scores with the forecast, so a stale idle pool is not the obvious pick', () => {
    const stale = pools.map((entry) => ({ ...entry, reportedAt: now - 1_000 }));
    const index = indexFleet(stale, 'tiny', policy);
    const position = index.fleet.positions.get('p0') ?? -1;
    expect(forecastLoadAt(index.fleet.forecast, position, now)).toBeGreaterThan(
      forecastLoadAt(index.fleet.forecast, position, now - 1_000),
    );
  });
});

describe('routing stale job times', () => {
  it('routing: an idle pool forgets a slow figure back towards its best, by half every half-life', () => {
    const slowed = pool('p', { jobMs: 6_000, bestJobMs: 1_000, idleSince: now - IDLE_JOB_MS_HALF_LIFE_MS });
    expect(effectiveJobMs(slowed, 1_200, now)).toBeCloseTo(1_000 + 5_000 / 2);
    expect(effectiveJobMs(slowed, 1_200, now + 3 * IDLE_JOB_MS_HALF_LIFE_MS)).toBeCloseTo(1_000 + 5_000 / 16);
  });

  it('routing: busy pools, pools with no record and always-slow pools keep their figure', () => {
    expect(
      effectiveJobMs(pool('busy', { jobMs: 6_000, bestJobMs: 1_000, idleSince: null }), 1_200, now),
    ).toBe(6_000);
    expect(effectiveJobMs(pool('new', { jobMs: 6_000, idleSince: now - 60_000 }), 1_200, now)).toBe(6_000);
    expect(
      effectiveJobMs(pool('slow', { jobMs: 2_500, bestJobMs: 2_500, idleSince: now - 60_000 }), 1_200, now),
    ).toBe(2_500);
    expect(effectiveJobMs(pool('unknown', { jobMs: null }), 1_200, now)).toBe(1_200);
  });
});

describe('routing missed heartbeats', () => {
  it('routing: a pool whose reports stopped while the rest moved on is left out of the index', () => {
    // Reports spread over the 1 s heartbeat; p9 stopped 3 s ago, within the 5 s TTL.
    const pools = Array.from({ length: 10 }, (_, index) =>
      pool(`p${index}`, { reportedAt: index === 9 ? now - 3_000 : now - index * 100 }),
    );
    expect(heartbeatLagLimitMs(policy)).toBe(2_250);
    const ids = indexFleet(pools, 'tiny', policy).pools.map((entry) => entry.poolId);
    expect(ids).toHaveLength(9);
    expect(ids).not.toContain('p9');
    // With pools set to heartbeat every 2 s, 3 s behind is within two intervals.
    expect(indexFleet(pools, 'tiny', { ...policy, heartbeatIntervalMs: 2_000 }).pools).toHaveLength(10);
  });

  it('routing: a pool whose reports the registry writes (it pushes none) is not judged by heartbeat lag', () => {
    // The registry's alarm ran 3 s late: its pools' reports trail the gpu-node pools' heartbeats.
    const pools = [
      ...Array.from({ length: 4 }, (_, index) =>
        pool(`p${index}`, { protocol: 'gpu-node', reportedAt: now }),
      ),
      pool('hosted', { protocol: 'openai-compatible', reportedAt: now - 3_000 }),
      pool('silent', { protocol: 'gpu-node', reportedAt: now - 3_000 }),
    ];
    const ids = indexFleet(pools, 'tiny', policy).pools.map((entry) => entry.poolId);
    expect(ids).toContain('hosted');
    expect(ids).not.toContain('silent');
  });

  it('routing: a pool of a region held from an earlier read is judged as of that read, not behind the rest', () => {
    // The isolate read p9's region 3 s ago and kept it; p9 reported just before that read.
    const pools = Array.from({ length: 10 }, (_, index) =>
      pool(`p${index}`, {
        reportedAt: index === 9 ? now - 3_200 : now - index * 100,
        ...(index === 9 ? { heldSince: now - 3_000 } : {}),
      }),
    );
    expect(indexFleet(pools, 'tiny', policy).pools.map((entry) => entry.poolId)).toContain('p9');
    // Behind on heartbeats already at that read: left out as before.
    const behind = pools.map((entry) =>
      entry.poolId === 'p9' ? { ...entry, reportedAt: now - 5_500 } : entry,
    );
    expect(indexFleet(behind, 'tiny', policy).pools.map((entry) => entry.poolId)).not.toContain('p9');
  });

  it('routing: idle pools that report only on the interval stay in beside busy ones reporting often', () => {
    const pools = [
      pool('busy-a', { reportedAt: now }),
      pool('busy-b', { reportedAt: now - 20 }),
      pool('idle', { reportedAt: now - 990 }),
    ];
    expect(indexFleet(pools, 'tiny', policy).pools).toHaveLength(3);
    expect(indexFleet([pool('solo', { reportedAt: now - 4_000 })], 'tiny', policy).pools).toHaveLength(1);
  });
});
