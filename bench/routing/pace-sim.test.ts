import { describe, expect, it } from 'vitest';
import { defaultHedgePolicy, hedgeDelayMs } from '../../worker/routing/index.ts';
import { parseScenario } from './scenario-schema.ts';
import { makePolicy } from './sim-setup.ts';
import { Simulation } from './simulation.ts';

function run() {
  const scenario = parseScenario(
    {
      name: 'pace',
      rho: 0.7,
      dispatchers: 8,
      refreshMs: 1_000,
      jobsPerSeed: 3_000,
      warmupJobs: 300,
      requests: 'mixed',
      curve: { kind: 'near-linear' },
    },
    'test',
  );
  const simulation = new Simulation(scenario, makePolicy('edge', scenario), 1, {});
  simulation.run();
  return simulation;
}

describe('simulator pace hedge', () => {
  it('simulator: a running request its pace makes late is hedged before the clock says so, within the budget', () => {
    const { jobs } = run();
    const hedgedAt = jobs.flatMap((job) => {
      const [first, ...later] = job.copies;
      // The copies after the first that are neither its tied twin nor a move: hedges.
      const hedge = later.find((copy) => copy.sentAt > job.arrivalAt && job.moves === 0);
      return first && hedge ? [{ first, hedge }] : [];
    });
    const early = hedgedAt.filter(
      ({ first, hedge }) => hedge.sentAt < first.sentAt + hedgeDelayMs(first.predictedMs, defaultHedgePolicy),
    );
    expect(early.length).toBeGreaterThan(10);
    // Early or not, hedges stay within the isolates' budget (`maxShare` of requests, one always allowed).
    expect(hedgedAt.length).toBeLessThanOrEqual(defaultHedgePolicy.maxShare * jobs.length + 8);
  });
});
