import { describe, expect, it } from 'vitest';
import { base, poolA, poolB, twoPools } from './scenario-fixtures.ts';
import { parseScenario, scenarioWarnings } from './scenario-schema.ts';

/** The scenario error's message, or '' when the file is valid. */
function problems(value: Record<string, unknown>): string {
  try {
    parseScenario(value, 'x.json');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('routing simulator: scenarios that could hang or measure nothing', () => {
  it('scenario: weights that sum to Infinity are refused, naming the distribution', () => {
    const message = problems({
      ...base,
      requests: {
        n: [
          { value: 1, weight: 1e308 },
          { value: 2, weight: 1e308 },
        ],
      },
    });
    expect(message).toMatch(/requests\.n: weights must sum to a finite number/);
  });

  it('scenario: an unknown requests preset lists the presets', () => {
    expect(problems({ ...base, requests: 'big' })).toMatch(
      /requests: expected one of the presets "mixed", "reference" or a mix \{n, steps, sizes\}, got "big"/,
    );
  });

  it('scenario: warmupJobs at or above jobsPerSeed is refused, naming both', () => {
    const message = problems({ ...base, jobsPerSeed: 1_000, warmupJobs: 1_000 });
    expect(message).toMatch(/warmupJobs: warmupJobs \(1000\) must be below jobsPerSeed \(1000\)/);
    expect(problems({ ...base, jobsPerSeed: 1_000, warmupJobs: 999 })).toBe('');
  });

  it('scenario: a telemetry TTL shorter than the report interval or the telemetry delay is refused', () => {
    expect(problems({ ...base, telemetryTtlMs: 1 })).toMatch(
      /telemetryTtlMs: telemetryTtlMs \(1\) must be at least telemetryDelayMs \+ reportIntervalMs \(50 \+ 250 = 300\)/,
    );
    expect(problems({ ...base, telemetryDelayMs: 60_000 })).toMatch(/telemetryTtlMs \(5000\).*60000 \+ 250/);
    expect(problems({ ...base, telemetryTtlMs: 300 })).toBe('');
  });

  it('scenario: a seed given twice is refused', () => {
    expect(problems({ ...base, seeds: [1, 2, 1] })).toMatch(/seeds\.2: duplicate seed 1/);
  });

  it('scenario: a pool faster than 1 ms for the reference request is refused', () => {
    const pools = [{ ...poolA, jobMs: 0.001 }, poolB];
    expect(problems({ ...base, pools })).toMatch(/pools\.0\.jobMs: Too small/);
  });

  it('scenario: curve points that break the first law of batching are refused, naming the pool and point', () => {
    const points = (list: [number, number][]) => ({
      kind: 'points',
      points: list.map(([batchMegapixels, stepMs]) => ({ batchMegapixels, stepMs })),
    });
    expect(
      problems({
        ...base,
        curve: points([
          [1, 200],
          [1, 50],
          [4, 800],
        ]),
      }),
    ).toMatch(/curve\.points\.1: batchMegapixels 1 is given twice with different stepMs \(200 and 50\)/);
    const falling = problems({
      ...base,
      pools: twoPools,
      poolCurves: {
        b: points([
          [0.25, 500],
          [1, 100],
        ]),
      },
    });
    expect(falling).toMatch(
      /poolCurves\.b\.points\.1: a larger batch steps faster: 1 MP at 100 ms after 0.25 MP/,
    );
    const own = problems({
      ...base,
      pools: [
        poolA,
        {
          ...poolB,
          curve: points([
            [4, 20],
            [1, 100],
          ]),
        },
      ],
    });
    expect(own).toMatch(/pools\.1\.curve\.points\.0: a larger batch steps faster: 4 MP at 20 ms/);
  });

  it('scenario: unsorted curve points are sorted on load, and a point given twice alike counts once', () => {
    const scenario = parseScenario(
      {
        ...base,
        curve: {
          kind: 'points',
          points: [
            { batchMegapixels: 4, stepMs: 800 },
            { batchMegapixels: 1, stepMs: 200 },
            { batchMegapixels: 1, stepMs: 200 },
          ],
        },
      },
      'x.json',
    );
    expect(scenario.curve?.kind === 'points' ? scenario.curve.points : []).toEqual([
      { batchMegapixels: 1, stepMs: 200 },
      { batchMegapixels: 4, stepMs: 800 },
    ]);
  });

  it('scenario: rho >= 1 runs with a warning; a true curve that loses work per ms at large batches does not (real hardware can)', () => {
    expect(scenarioWarnings(parseScenario(base, 'x.json'))).toEqual([]);
    expect(scenarioWarnings(parseScenario({ ...base, rho: 1.1 }, 'x.json'))).toEqual([
      expect.stringMatching(/rho 1\.1 >= 1: the fleet is overloaded/),
    ]);
    const losing = parseScenario(
      {
        ...base,
        pools: twoPools,
        poolCurves: {
          a: {
            kind: 'points',
            points: [
              { batchMegapixels: 0.262, stepMs: 60 },
              { batchMegapixels: 1.05, stepMs: 250 },
            ],
          },
        },
      },
      'x.json',
    );
    expect(scenarioWarnings(losing)).toEqual([]);
  });
});
