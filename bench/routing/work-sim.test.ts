import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { stepMsAt } from '../../shared/step-curve.ts';
import { decisionRegret, regretFigures } from './decision-regret.ts';
import { slowdownsIn } from './metrics.ts';
import { exactCompletionMs } from './policies/oracle-policy.ts';
import { PoolSim } from './pool-sim.ts';
import { drawRequest, mixedRequests, REFERENCE_MEGAPIXELS } from './request-mix.ts';
import { seededRandom } from './rng.ts';
import { loadScenario, parseScenario } from './scenario-schema.ts';
import { stepTimesOf } from './sim-setup.ts';
import type { Copy, Job } from './sim-types.ts';
import { simulate } from './simulation.ts';
import { curveSpecOf, DEFAULT_CURVE, stepTimeOf } from './true-curves.ts';

const spec = { id: 'p', provider: 'a', region: 'eu', slots: 2, jobMs: 900 };
const nearLinear = stepTimeOf({ kind: 'near-linear', overhead: 0.1 }, spec);

function job(id: number, images: number, steps: number, megapixels: number): Job {
  return {
    id,
    arrivalAt: 0,
    dispatcher: 0,
    images,
    steps,
    megapixels,
    work: images * steps * megapixels,
    doneAt: -1,
    copies: [],
    hedged: false,
    moves: 0,
    tied: false,
  };
}

function copyOf(owner: Job): Copy {
  return {
    job: owner,
    pool: 0,
    sentAt: 0,
    predictedMs: 0,
    failover: [],
    state: 'transit',
    unstarted: owner.images,
    unfinished: owner.images,
    startedAt: 0,
    ackAt: 0,
    remainingOnAckMs: -1,
  };
}

describe('routing simulator: work and curves', () => {
  it('simulator: a pool reports no curve before its first step, then the curve it measured', () => {
    const pool = new PoolSim(0, spec, nearLinear, seededRandom(1));
    expect(pool.report(0)?.curve).toEqual([]);
    pool.admit(copyOf(job(0, 2, 30, REFERENCE_MEGAPIXELS)), 0);
    const report = pool.report(500);
    const point = report?.curve[0];
    expect(report?.curve).toHaveLength(1);
    expect(point?.batch_megapixels).toBeCloseTo(2 * REFERENCE_MEGAPIXELS);
    // Measured with noise, close to the true step time of that batch.
    expect((point?.step_ms ?? 0) / nearLinear(2 * REFERENCE_MEGAPIXELS)).toBeGreaterThan(0.8);
    expect((point?.step_ms ?? 0) / nearLinear(2 * REFERENCE_MEGAPIXELS)).toBeLessThan(1.25);
    expect(report?.queuedWork).toBe(0);
    expect(report?.runningWork).toBeGreaterThan(0);
  });

  it('simulator: the measured curve increases with the batch and tracks the true one', () => {
    const pool = new PoolSim(0, { ...spec, slots: 16 }, nearLinear, seededRandom(2));
    let now = 0;
    for (let id = 0; id < 40; id++) {
      pool.admit(copyOf(job(id, 1 + (id % 4), 20, REFERENCE_MEGAPIXELS * (1 + (id % 3)))), now);
      now += 400;
      pool.takeFinished(now);
    }
    const curve = pool.report(now)?.curve ?? [];
    expect(curve.length).toBeGreaterThan(2);
    for (let at = 1; at < curve.length; at++) {
      expect(curve[at]?.batch_megapixels ?? 0).toBeGreaterThan(curve[at - 1]?.batch_megapixels ?? 0);
      expect(curve[at]?.step_ms ?? 0).toBeGreaterThanOrEqual(curve[at - 1]?.step_ms ?? 0);
    }
    const last = curve[curve.length - 1];
    const truth = nearLinear(last?.batch_megapixels ?? 1);
    expect(stepMsAt(curve, last?.batch_megapixels ?? 1) ?? 0).toBeGreaterThan(0.8 * truth);
    expect(stepMsAt(curve, last?.batch_megapixels ?? 1) ?? 0).toBeLessThan(1.25 * truth);
  });

  it('simulator: the oracle replays the batch exactly, images of different sizes and steps', () => {
    const pool = new PoolSim(0, spec, nearLinear, seededRandom(3));
    pool.admit(copyOf(job(0, 1, 10, REFERENCE_MEGAPIXELS)), 0);
    pool.admit(copyOf(job(1, 1, 30, 4 * REFERENCE_MEGAPIXELS)), 0);
    const small = job(2, 1, 4, REFERENCE_MEGAPIXELS);
    // Both slots busy: the small job starts when the 10-step image finishes, then runs beside
    // the big one for its 4 steps.
    const together = nearLinear(5 * REFERENCE_MEGAPIXELS);
    const expected = 10 * together + 4 * together;
    expect(exactCompletionMs(pool, small, 0, 0)).toBeCloseTo(expected, 6);
    // With a round trip it cannot start before it arrives, and its answer travels back.
    expect(exactCompletionMs(pool, small, 20, 0)).toBeCloseTo(expected + 10, 6);
  });

  it('simulator: decision regret is the pick over the best exact completion, and reading it changes nothing', () => {
    const busy = new PoolSim(0, spec, nearLinear, seededRandom(4));
    const twin = new PoolSim(0, spec, nearLinear, seededRandom(4));
    const idle = new PoolSim(1, spec, nearLinear, seededRandom(5));
    for (const pool of [busy, twin]) pool.admit(copyOf(job(0, 1, 30, 4 * REFERENCE_MEGAPIXELS)), 0);
    const small = job(1, 1, 4, REFERENCE_MEGAPIXELS);
    const pools = [busy, idle];
    const onBusy = exactCompletionMs(busy, small, 0, 100);
    const onIdle = exactCompletionMs(idle, small, 0, 100);
    expect(onBusy).toBeGreaterThan(onIdle);
    expect(decisionRegret(pools, [0, 0], small, 1, 100)).toBeCloseTo(1, 9);
    expect(decisionRegret(pools, [0, 0], small, 0, 100)).toBeCloseTo(onBusy / onIdle, 9);
    // Judging a decision must not record a measurement: the pool reports what its twin does.
    for (let at = 110; at < 400; at += 10) decisionRegret(pools, [0, 0], small, 0, at);
    expect(busy.report(500)).toEqual(twin.report(500));
    busy.dead = true;
    idle.dead = true;
    expect(decisionRegret(pools, [0, 0], small, 0, 600)).toBeNaN();
  });

  it('simulator: --regret measures every first send and leaves the run as it was', () => {
    const scenario = parseScenario(
      { name: 'light', rho: 0.7, dispatchers: 4, refreshMs: 500, jobsPerSeed: 1_500, warmupJobs: 150 },
      'test',
    );
    const plain = simulate(scenario, 'edge', 1);
    const judged = simulate(scenario, 'edge', 1, { regret: true });
    expect(plain.decisionRegret).toBeUndefined();
    expect(Array.from(judged.latencyMs)).toEqual(Array.from(plain.latencyMs));
    const edge = regretFigures([judged], scenario.warmupJobs);
    expect(edge?.mean).toBeGreaterThanOrEqual(1);
    expect(edge?.best_share).toBeGreaterThan(0);
    expect(edge?.best_share).toBeLessThan(1);
    const oracle = regretFigures([simulate(scenario, 'oracle', 1, { regret: true })], scenario.warmupJobs);
    expect(oracle).toMatchObject({ mean: 1, p99: 1, best_share: 1 });
    expect(regretFigures([plain], scenario.warmupJobs)).toBeNull();
  });

  it('simulator: every job is at least as slow as alone on its best pool (slowdown >= 1)', () => {
    const scenario = parseScenario(
      { name: 'light', rho: 0.3, dispatchers: 4, refreshMs: 500, jobsPerSeed: 2_000, warmupJobs: 200 },
      'test',
    );
    const slowdowns = slowdownsIn(simulate(scenario, 'oracle', 1), scenario.warmupJobs);
    expect(slowdowns[0]).toBeGreaterThan(0.999);
    expect(slowdowns[slowdowns.length - 1]).toBeLessThan(Number.POSITIVE_INFINITY);
  });

  it('simulator: the request mix has heavy tails and draws the same sizes for every policy', () => {
    const draws = Array.from({ length: 20_000 }, () => drawRequest(mixedRequests, seededRandom(9)));
    expect(new Set(draws.map((draw) => draw.work)).size).toBe(1);
    const random = seededRandom(9);
    const works = Array.from({ length: 20_000 }, () => drawRequest(mixedRequests, random).work).sort(
      (a, b) => a - b,
    );
    const median = works[works.length / 2] ?? 0;
    expect((works[works.length - 1] ?? 0) / median).toBeGreaterThan(50);
    expect((works[0] ?? 0) * 100).toBeLessThan(median);
  });

  it('simulator: scenario files from before issue 13 still run, and the defaults are realistic', async () => {
    const legacy = parseScenario({ name: 'old', rho: 0.9, dispatchers: 32, refreshMs: 1_000 }, 'old.json');
    expect(legacy.requests).toBe('mixed');
    expect(curveSpecOf({ ...spec }, legacy)).toEqual(DEFAULT_CURVE);
    const pinned = await loadScenario(new URL('./scenarios/headline.json', import.meta.url).pathname);
    expect(pinned.requests).toBe('reference');
    expect(stepTimesOf(pinned)[0]?.(REFERENCE_MEGAPIXELS)).toBeCloseTo(800 / 30);
    const text = JSON.parse(await readFile(new URL('./scenarios/faults.json', import.meta.url), 'utf8'));
    expect(() => parseScenario(text, 'faults.json')).not.toThrow();
  });

  it('simulator: the more specific curve setting wins', () => {
    const scenario = parseScenario(
      {
        name: 'x',
        rho: 0.5,
        dispatchers: 1,
        refreshMs: 0,
        batchSlowdown: 0.25,
        curve: { kind: 'sublinear' },
        poolCurves: { b: { kind: 'near-linear' } },
        pools: [
          { id: 'a', provider: 'p', region: 'eu', slots: 4, jobMs: 100 },
          { id: 'b', provider: 'p', region: 'eu', slots: 4, jobMs: 100 },
          { id: 'c', provider: 'p', region: 'eu', slots: 4, jobMs: 100, batchSlowdown: 1 },
        ],
      },
      'x.json',
    );
    const [a, b, c] = scenario.pools ?? [];
    if (!a || !b || !c) throw new Error('fixture');
    expect(curveSpecOf(a, scenario).kind).toBe('sublinear');
    expect(curveSpecOf(b, scenario).kind).toBe('near-linear');
    expect(curveSpecOf(c, scenario)).toEqual({ kind: 'batch-slowdown', slowdown: 1 });
    expect(() =>
      parseScenario({ ...scenario, name: 'y', poolCurves: { z: { kind: 'near-linear' } } }, 'y.json'),
    ).toThrow(/unknown pool "z"/);
  });
});
