import { describe, expect, it } from 'vitest';
import { REFERENCE_MEGAPIXELS, REFERENCE_STEPS } from './request-mix.ts';
import { parseScenario } from './scenario-schema.ts';
import { makePolicy } from './sim-setup.ts';
import { Simulation } from './simulation.ts';

const TYPICAL_WORK = REFERENCE_STEPS * REFERENCE_MEGAPIXELS;

function run(
  requests: 'mixed' | 'reference',
  policy: 'edge' | 'prior-edge' = 'edge',
  overrides: object = {},
) {
  const scenario = parseScenario(
    {
      name: 'ties',
      rho: 0.7,
      dispatchers: 8,
      refreshMs: 1_000,
      jobsPerSeed: 3_000,
      warmupJobs: 300,
      requests,
      curve: { kind: 'near-linear' },
      ...overrides,
    },
    'test',
  );
  const simulation = new Simulation(scenario, makePolicy(policy, scenario), 1, {});
  simulation.run();
  return simulation;
}

/** Whether the job's first two copies both went out as it arrived: a tied pair. */
const tied = (job: Simulation['jobs'][number]) =>
  job.copies.length >= 2 &&
  job.copies[0]?.sentAt === job.arrivalAt &&
  job.copies[1]?.sentAt === job.arrivalAt;

describe('simulator tied requests', () => {
  it('simulator: the edge ties requests smaller than a typical image, and only those', () => {
    const { jobs } = run('mixed');
    const small = jobs.filter((job) => job.work < TYPICAL_WORK);
    const large = jobs.filter((job) => job.work >= TYPICAL_WORK);
    expect(small.length).toBeGreaterThan(300);
    expect(large.length).toBeGreaterThan(300);
    // Most small ones: not where the second pool is predicted far slower than the first.
    expect(small.filter(tied).length).toBeGreaterThan(0.7 * small.length);
    expect(large.filter(tied)).toEqual([]);
    expect(run('reference').jobs.filter(tied)).toEqual([]);
    expect(run('mixed', 'prior-edge').jobs.filter(tied)).toEqual([]);
  });

  it('simulator: a tied pair is settled on the acknowledgements, so one copy seldom runs to the end', () => {
    const pairs = run('mixed').jobs.filter(tied);
    const bothRan = pairs.filter((job) => job.copies[0]?.state === 'done' && job.copies[1]?.state === 'done');
    const dropped = pairs.filter((job) => job.copies.slice(0, 2).some((copy) => copy.state === 'cancelled'));
    // A small image can finish before the cancel reaches its pool, but not most of them.
    expect(bothRan.length).toBeLessThan(0.25 * pairs.length);
    expect(dropped.length).toBeGreaterThan(0.5 * pairs.length);
  });

  it('simulator: an isolate keeps two tied pairs unsettled at most (MAX_UNSETTLED_TIES), so a burst on it is mostly not tied', () => {
    // Small requests only, every one a candidate for a tie. In tight clumps (gamma arrivals,
    // shape 0.02) on one isolate, most find its last two pairs still waiting for their
    // acknowledgements (5% tied); as a Poisson stream over eight isolates, most are tied (68%).
    const small = { n: [{ value: 1 }], steps: [{ value: 4 }], sizes: [{ value: '256x256' }] };
    const clumped = run('mixed', 'edge', {
      requests: small,
      dispatchers: 1,
      arrivals: { kind: 'gamma', shape: 0.02 },
    }).jobs;
    const spread = run('mixed', 'edge', { requests: small }).jobs;
    expect(clumped.filter(tied).length).toBeLessThan(0.2 * clumped.length);
    expect(spread.filter(tied).length).toBeGreaterThan(0.5 * spread.length);
  });
});
