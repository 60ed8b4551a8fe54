import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { headlineOf } from './headline.ts';
import { pointReport } from './point-report.ts';
import { PoolSim } from './pool-sim.ts';
import { seededRandom } from './rng.ts';
import { base, poolA, poolB, twoPools } from './scenario-fixtures.ts';
import { parseScenario, type Scenario } from './scenario-schema.ts';
import type { Copy, Job, RunResult } from './sim-types.ts';
import { simulate } from './simulation.ts';

describe('routing simulator: runs that used to hang', () => {
  it('simulator: a completion closer than the clock can tell still moves the clock on', () => {
    // The state a pool reached 34,352 s into a run of 10,000-megapixel images, where the old loop
    // fired the same completion forever: its last image 1.06e-9 steps from done, 2.5e-9 ms away,
    // under the clock's resolution there (7.5e-9 ms).
    const pool = new PoolSim(
      0,
      { id: 'p', provider: 'a', region: 'eu', slots: 8, jobMs: 1_000 },
      () => 2.341344197591146,
      seededRandom(1),
    );
    const owner: Job = {
      id: 0,
      arrivalAt: 0,
      dispatcher: 0,
      images: 1,
      steps: 1,
      megapixels: 0.0001,
      work: 0.0001,
      doneAt: -1,
      copies: [],
      hedged: false,
      moves: 0,
      tied: false,
    };
    const copy: Copy = {
      job: owner,
      pool: 0,
      sentAt: 0,
      predictedMs: 0,
      failover: [],
      state: 'running',
      unstarted: 0,
      unfinished: 1,
      startedAt: 0,
      ackAt: 0,
      remainingOnAckMs: -1,
    };
    const now = 34_352_482.717732616;
    pool.v = 16_036.000000011743;
    pool.lastAdvanceAt = now;
    pool.running = [{ copy, finishV: 16_036.000000012804, megapixels: 0.0001 }];
    pool.batchMegapixels = 0.0001;
    const at = pool.nextCompletionAt(now) ?? Number.NaN;
    expect(at).toBeGreaterThan(now);
    expect(pool.takeFinished(at)).toEqual([copy]);
  });

  it('simulator: 99999x99999 images (the largest size a request may name) finish', () => {
    const scenario = parseScenario(
      {
        ...base,
        jobsPerSeed: 1_000,
        warmupJobs: 100,
        requests: {
          n: [
            { value: 1, weight: 99 },
            { value: 10, weight: 1 },
          ],
          steps: [
            { value: 1, weight: 50 },
            { value: 200, weight: 50 },
          ],
          sizes: [
            { value: '10x10', weight: 99 },
            { value: '99999x99999', weight: 1 },
          ],
        },
      },
      'giant.json',
    );
    const run = simulate(scenario, 'oracle', 1);
    expect(run.latencyMs.filter((latency) => !Number.isNaN(latency)).length).toBeGreaterThan(900);
  }, 30_000);

  it('simulator: pools far quicker than the schema allows still finish (the clock never sticks)', () => {
    const scenario: Scenario = {
      ...parseScenario({ ...base, jobsPerSeed: 2_000, warmupJobs: 200, pools: twoPools }, 'fast.json'),
      pools: [
        { ...poolA, jobMs: 0.001 },
        { ...poolB, jobMs: 0.002 },
      ],
    };
    const run = simulate(scenario, 'least-loaded-stale', 1);
    expect(run.latencyMs.every((latency) => Number.isFinite(latency))).toBe(true);
  }, 30_000);

  it('simulator: a mix whose mean is not a number stops with an error instead of never ending', () => {
    const scenario: Scenario = {
      ...parseScenario(base, 'x.json'),
      requests: {
        n: [
          { value: 1, weight: 1e308 },
          { value: 2, weight: 1e308 },
        ],
        steps: [{ value: 30, weight: 1 }],
        sizes: [{ value: '512x512', weight: 1 }],
      },
    };
    expect(() => simulate(scenario, 'oracle', 1)).toThrow(/mean gap between arrivals is NaN/);
  });
});

/** A run with these latencies (ms), one job each, arriving 1 ms apart. */
function syntheticRun(policy: RunResult['policy'], seed: number, latencies: readonly number[]): RunResult {
  const count = latencies.length;
  return {
    policy,
    seed,
    arrivalAt: Float64Array.from(latencies, (_, index) => index),
    latencyMs: Float64Array.from(latencies),
    unloadedMs: new Float64Array(count).fill(1),
    servedBy: new Int16Array(count),
    images: new Uint16Array(count).fill(1),
    costUsd: new Float64Array(count),
    sends: count,
    sendsToUnavailable: 0,
    hedges: 0,
    lastSendIntoFaultS: [],
  };
}

/** 1,000 latencies: `giant` of them 1,000x the rest (`small` ms). */
function tail(giant: number, small: number, large: number): number[] {
  return Array.from({ length: 1_000 }, (_, index) => (index < 1_000 - giant ? small : large));
}

describe('routing simulator: when the greedy oracle is beaten', () => {
  const scenario = parseScenario(
    { ...base, name: 'beaten', seeds: [1, 2], jobsPerSeed: 1_000, warmupJobs: 0 },
    'x.json',
  );

  it('report: a policy below the oracle by more than its CI is named on the point and in the headline', () => {
    const runs = [1, 2].flatMap((seed) => [
      syntheticRun(
        'oracle',
        seed,
        Array.from({ length: 1_000 }, (_, index) => 100 + index + seed),
      ),
      syntheticRun(
        'edge',
        seed,
        Array.from({ length: 1_000 }, (_, index) => 50 + index / 2 + seed),
      ),
      syntheticRun(
        'random',
        seed,
        Array.from({ length: 1_000 }, (_, index) => 200 + 2 * index),
      ),
    ]);
    const point = pointReport(scenario, runs);
    expect(point.oracle_beaten_by).toEqual(['edge']);
    expect(headlineOf([point], null, true).oracle_beaten_points).toEqual(['beaten']);
    const fair = pointReport(
      scenario,
      runs.filter((run) => run.policy !== 'edge'),
    );
    expect(fair.oracle_beaten_by).toEqual([]);
    expect(headlineOf([fair], null, true).oracle_beaten_points).toEqual([]);
  });

  it('report: the pooled p99 ratio can fall outside the interval of the per-seed ratios (a cliff in the tail)', () => {
    // Per seed the edge is at 0.6 of the oracle (both seeds' p99 on the same side of the cliff);
    // pooled, the oracle's p99 is one of its 25 giant jobs and the edge's one of its small ones.
    const runs = [
      syntheticRun('oracle', 1, tail(15, 10, 1_000)),
      syntheticRun('edge', 1, tail(12, 6, 600)),
      syntheticRun('oracle', 2, tail(10, 10, 1_000)),
      syntheticRun('edge', 2, tail(8, 6, 600)),
    ];
    const edge = pointReport(scenario, runs).policies.edge;
    expect(edge?.p99_over_oracle_ci95).toEqual([0.6, 0.6]);
    expect(edge?.p99_over_oracle).toBe(0.006);
  });
});

describe('routing simulator: command line', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = promisify(execFile);

  it('bench:routing --no-decision skips the microbenchmark; rho >= 1 and --jobs below the minimum get a note', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bench-routing-'));
    try {
      const file = join(folder, 'overloaded.json');
      await writeFile(
        file,
        JSON.stringify({ ...base, rho: 1.05, pools: twoPools, policies: ['oracle', 'least-loaded-stale'] }),
      );
      const { stdout, stderr } = await run(
        process.execPath,
        [
          'bench/routing/bench-routing.ts',
          '--json',
          '--no-plot',
          '--no-decision',
          '--workers',
          '0',
          '--jobs',
          '300',
          '--scenario',
          file,
        ],
        { cwd: root, timeout: 60_000 },
      );
      const report = JSON.parse(stdout) as {
        decision_cost: unknown;
        headline: { decision_us_1000_pools: unknown; targets: Record<string, { met: unknown }> };
        points: { oracle_beaten_by: unknown }[];
      };
      expect(report.decision_cost).toBeNull();
      expect(report.headline.decision_us_1000_pools).toBeNull();
      expect(report.headline.targets.decision_us_1000_pools?.met).toBeNull();
      expect(Array.isArray(report.points[0]?.oracle_beaten_by)).toBe(true);
      expect(stderr).not.toMatch(/decision microbenchmark/);
      expect(stderr).toMatch(/warning: x: rho 1\.05 >= 1/);
      expect(stderr).toMatch(/--jobs 300 is below the 1,000 jobs per seed .*targets are not meaningful/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it('bench:routing: a scenario that measures nothing exits 2 with one line naming the field', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bench-routing-'));
    try {
      const file = join(folder, 'warmup.json');
      await writeFile(file, JSON.stringify({ ...base, jobsPerSeed: 1_000, warmupJobs: 5_000 }));
      const failure = await run(
        process.execPath,
        ['bench/routing/bench-routing.ts', '--json', '--no-decision', '--scenario', file],
        { cwd: root, timeout: 60_000 },
      ).catch((error: { code?: number; stderr?: string }) => error);
      expect('code' in failure ? failure.code : 0).toBe(2);
      expect('stderr' in failure ? failure.stderr : '').toMatch(
        /warmupJobs: warmupJobs \(5000\) must be below/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
