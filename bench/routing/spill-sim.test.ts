import { describe, expect, it } from 'vitest';
import { pointReport } from './point-report.ts';
import { loadScenario, parseScenario, type Scenario } from './scenario-schema.ts';
import { fleetOf } from './sim-setup.ts';
import { simulate } from './simulation.ts';

const spillFile = new URL('./scenarios/spill-owned-70.json', import.meta.url).pathname;

/** The spill point's fleet, shortened: few isolates and jobs, one seed. */
async function shortSpill(overrides: Partial<Scenario>): Promise<Scenario> {
  const scenario = await loadScenario(spillFile);
  return { ...scenario, dispatchers: 8, jobsPerSeed: 3_000, warmupJobs: 300, seeds: [1], ...overrides };
}

const total = (values: Float64Array) => values.reduce((sum, value) => sum + value, 0);

describe('routing simulator: spill by cost', () => {
  it('simulator: cheapest never pays while the owned pools have the capacity', async () => {
    // rho 0.3 of the fleet is ~42% of what the owned pools alone can do.
    const scenario = await shortSpill({ rho: 0.3 });
    const run = simulate(scenario, 'cheapest', 1);
    expect(total(run.costUsd)).toBe(0);
    const priced = new Set(
      fleetOf(scenario).flatMap((spec, at) => ((spec.pricePerImage ?? 0) > 0 ? [at] : [])),
    );
    expect(Array.from(run.servedBy).some((pool) => priced.has(pool))).toBe(false);
  });

  it('simulator: with a generous objective the edge costs less than fastest and attains no less', async () => {
    const scenario = await shortSpill({ objectiveMs: 60_000 });
    const report = pointReport(scenario, [simulate(scenario, 'edge', 1), simulate(scenario, 'fastest', 1)]);
    const edge = report.policies.edge;
    const fastest = report.policies.fastest;
    expect(edge?.cost_per_image ?? 1).toBeLessThan(0.7 * (fastest?.cost_per_image ?? 0));
    expect(edge?.objective_attainment ?? 0).toBeGreaterThanOrEqual(
      (fastest?.objective_attainment ?? 1) - 0.01,
    );
    expect(report.spill).toBe(true);
    expect(report.work_grid).toBe(false);
  });

  it('simulator: without an objective the edge makes exactly fastest’s choices', async () => {
    const { objectiveMs: _objective, ...rest } = await shortSpill({});
    const scenario: Scenario = { ...rest, jobsPerSeed: 1_500, warmupJobs: 100 };
    const edge = simulate(scenario, 'edge', 2);
    const fastest = simulate(scenario, 'fastest', 2);
    expect(Array.from(edge.servedBy)).toEqual(Array.from(fastest.servedBy));
    expect(Array.from(edge.latencyMs)).toEqual(Array.from(fastest.latencyMs));
    expect(total(edge.costUsd)).toBeGreaterThan(0);
  });

  it('simulator: scenario prices apply by pool id and must name known pools', async () => {
    const scenario = await loadScenario(spillFile);
    const priced = parseScenario(
      { ...scenario, prices: { 'own-eu-1': 0.001, 'premium-eu-1': null } },
      'p.json',
    );
    const byId = new Map(fleetOf(priced).map((spec) => [spec.id, spec.pricePerImage]));
    expect(byId.get('own-eu-1')).toBe(0.001);
    expect(byId.get('premium-eu-1')).toBeNull();
    expect(byId.get('budget-us-1')).toBe(0.0025);
    expect(() => parseScenario({ ...scenario, prices: { nowhere: 0.1 } }, 'bad.json')).toThrow(
      /prices\.nowhere: unknown pool "nowhere"/,
    );
    const legacy = parseScenario({ name: 'old', rho: 0.5, dispatchers: 1, refreshMs: 0 }, 'old.json');
    expect(legacy.objectiveMs).toBeUndefined();
    expect(fleetOf(legacy).every((spec) => spec.pricePerImage === undefined)).toBe(true);
  });
});
