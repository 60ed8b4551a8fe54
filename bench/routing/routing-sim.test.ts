import { describe, expect, it } from 'vitest';
import { latenciesIn, latencyFigures } from './metrics.ts';
import { REFERENCE_MEGAPIXELS, REFERENCE_STEPS } from './request-mix.ts';
import { parseScenario, ScenarioError } from './scenario-schema.ts';
import { simulate } from './simulation.ts';
import { stepTimeOf } from './true-curves.ts';

describe('routing simulator', () => {
  it('simulator: the oracle beats the edge policy, which beats round-robin, on one short scenario', () => {
    const scenario = parseScenario(
      {
        name: 'short',
        rho: 0.8,
        dispatchers: 8,
        refreshMs: 1_000,
        jobsPerSeed: 5_000,
        warmupJobs: 500,
        seeds: [1],
      },
      'test',
    );
    const p99 = (policy: 'oracle' | 'edge' | 'round-robin') =>
      latencyFigures(latenciesIn(simulate(scenario, policy, 1), scenario.warmupJobs), scenario.sloMs).p99_ms;
    const oracle = p99('oracle');
    const edge = p99('edge');
    expect(oracle).toBeLessThanOrEqual(edge);
    expect(edge).toBeLessThan(p99('round-robin'));
  });

  it('simulator: the same seed gives the same run', () => {
    const scenario = parseScenario(
      { name: 'short', rho: 0.9, dispatchers: 4, refreshMs: 500, jobsPerSeed: 2_000, warmupJobs: 100 },
      'test',
    );
    expect(Array.from(simulate(scenario, 'edge', 3).latencyMs)).toEqual(
      Array.from(simulate(scenario, 'edge', 3).latencyMs),
    );
  });

  it('simulator: a batch-slowdown curve steps a full batch 25% slower, a near-linear one in proportion', () => {
    const spec = { id: 'p', provider: 'a', region: 'eu', slots: 4, jobMs: 1_000 };
    const legacy = stepTimeOf({ kind: 'batch-slowdown', slowdown: 0.25 }, spec);
    expect(REFERENCE_STEPS * legacy(REFERENCE_MEGAPIXELS)).toBeCloseTo(1_000);
    expect(REFERENCE_STEPS * legacy(4 * REFERENCE_MEGAPIXELS)).toBeCloseTo(1_250);
    const linear = stepTimeOf({ kind: 'near-linear', overhead: 0.1 }, spec);
    expect(linear(4 * REFERENCE_MEGAPIXELS) / linear(REFERENCE_MEGAPIXELS)).toBeCloseTo(3.7);
  });

  it('simulator: a bad scenario file names every problem with its path', () => {
    const attempt = () =>
      parseScenario(
        { name: '', rho: 2, dispatchers: 0, refreshMs: 1_000, faults: [{ kind: 'melt' }] },
        'bad.json',
      );
    expect(attempt).toThrow(ScenarioError);
    expect(attempt).toThrow(/bad\.json/);
    expect(attempt).toThrow(/rho:/);
    expect(attempt).toThrow(/dispatchers:/);
    expect(attempt).toThrow(/faults\.0\.kind:/);
  });

  it('simulator: a fault on a pool the scenario does not have is refused', () => {
    expect(() =>
      parseScenario(
        {
          name: 'x',
          rho: 0.5,
          dispatchers: 1,
          refreshMs: 0,
          pools: [
            { id: 'a', provider: 'p', region: 'eu', slots: 1, jobMs: 100 },
            { id: 'b', provider: 'p', region: 'eu', slots: 1, jobMs: 100 },
          ],
          faults: [{ kind: 'stall', pool: 'c', startS: 1, durationS: 1 }],
        },
        'x.json',
      ),
    ).toThrow(/unknown pool "c"/);
  });

  it('simulator: two pools with one id are refused, naming the second', () => {
    const pool = { id: 'a', provider: 'p', region: 'eu', slots: 1, jobMs: 100 };
    expect(() =>
      parseScenario(
        { name: 'x', rho: 0.5, dispatchers: 1, refreshMs: 0, pools: [pool, { ...pool }] },
        'x.json',
      ),
    ).toThrow(/pools\.1\.id: duplicate pool id "a"/);
  });
});
