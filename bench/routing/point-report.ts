import { type RegretFigures, regretFigures } from './decision-regret.ts';
import { latenciesIn, latencyFigures, percentile, slowdownsIn } from './metrics.ts';
import type { Fault, PolicyName, Scenario } from './scenario-schema.ts';
import { fleetOf, mixOf } from './sim-setup.ts';
import type { RunResult } from './sim-types.ts';
import { confidenceInterval, rounded } from './stats.ts';
import { curveSpecOf } from './true-curves.ts';

/** One policy's figures at one point (all seeds pooled; the ratio's CI is across seeds). */
export interface PolicyFigures {
  readonly jobs: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly p99_ms: number | null;
  readonly p99_over_oracle: number | null;
  readonly p99_over_oracle_ci95: readonly [number | null, number | null];
  /** p99 of slowdown: a job's latency over its own unloaded service time. */
  readonly p99_slowdown: number | null;
  readonly p99_slowdown_over_oracle: number | null;
  readonly p99_slowdown_over_oracle_ci95: readonly [number | null, number | null];
  readonly within_slo: number | null;
  readonly goodput_per_s: number | null;
  readonly sent_to_unavailable_share: number | null;
  readonly hedge_share: number | null;
  /** USD per image served, every started copy billed (null on a point without prices). */
  readonly cost_per_image: number | null;
  /** Share of images computed on priced pools (null on a point without prices). */
  readonly priced_image_share: number | null;
  /** Share of jobs finished within the point's `objectiveMs` (null without one). */
  readonly objective_attainment: number | null;
  /** With `--regret`: how each first send compared with the best pool at that instant (`decisionRegret`). */
  readonly decision_regret?: RegretFigures;
}

/** Fault figures of one policy: p99 of jobs arriving inside the windows of each kind. */
export interface PolicyFaultFigures {
  readonly fail_stop_p99_ms: number | null;
  readonly stall_p99_ms: number | null;
  readonly slow_p99_ms: number | null;
  readonly fail_stop_p99_over_oracle: number | null;
  readonly stall_p99_over_oracle: number | null;
  /** The worse of the fail-stop and stall ratios. */
  readonly fault_p99_over_oracle: number | null;
  /** Latest send to a dead pool, s after it died (worst window and seed; 0 if none). */
  readonly dead_pool_seconds: number | null;
  /** Latest send to a stalled pool, s after the stall began (0 if none). */
  readonly stalled_pool_seconds: number | null;
}

/** The report of one scenario point. */
export interface PointReport {
  readonly name: string;
  readonly rho: number;
  readonly dispatchers: number;
  readonly refresh_ms: number;
  readonly arrivals: string;
  readonly seeds: readonly number[];
  readonly jobs_per_seed: number;
  readonly faults: number;
  /** `reference` (every job alike), `mixed` (the built-in mix) or `custom`. */
  readonly requests: string;
  /** The true step curves' kinds across the fleet, e.g. `near-linear` or `near-linear+sublinear`. */
  readonly curves: string;
  /** Whether the point counts towards the work figures (mixed sizes or curves other than `batch-slowdown`, no faults, no prices). */
  readonly work_grid: boolean;
  /** A spill-by-cost point: it sets prices or an objective (and counts towards no latency grid). */
  readonly spill: boolean;
  /** The requests' latency objective, ms (null without one). */
  readonly objective_ms: number | null;
  readonly policies: Partial<Record<PolicyName, PolicyFigures>>;
  /**
   * Policies whose p99 or p99 of slowdown is below the oracle's by more than its CI (`beatsOracle`):
   * the oracle is greedy, not a lower bound, and here it is a weak reference.
   */
  readonly oracle_beaten_by: PolicyName[];
  readonly fault_figures: Partial<Record<PolicyName, PolicyFaultFigures>> | null;
}

/** Summarises the runs of every policy at one point (runs in any order). */
export function pointReport(scenario: Scenario, runs: readonly RunResult[]): PointReport {
  const byPolicy = new Map<PolicyName, RunResult[]>();
  for (const run of runs) byPolicy.set(run.policy, [...(byPolicy.get(run.policy) ?? []), run]);
  const oracle = byPolicy.get('oracle') ?? [];
  const oracleP99 = pooledP99(scenario, oracle);
  const oracleSlowdown = pooledSlowdownP99(scenario, oracle);
  const policies: Partial<Record<PolicyName, PolicyFigures>> = {};
  const faults: Partial<Record<PolicyName, PolicyFaultFigures>> = {};
  const hasWindows = scenario.faults.some((fault) => fault.kind === 'fail-stop' || fault.kind === 'stall');
  for (const [name, policyRuns] of byPolicy) {
    policies[name] = policyFigures(scenario, policyRuns, oracle, oracleP99, oracleSlowdown);
    if (hasWindows) faults[name] = faultFigures(scenario, policyRuns, oracle);
  }
  return {
    name: scenario.name,
    rho: scenario.rho,
    dispatchers: scenario.dispatchers,
    refresh_ms: scenario.refreshMs,
    arrivals: scenario.arrivals.kind,
    seeds: scenario.seeds,
    jobs_per_seed: scenario.jobsPerSeed,
    faults: scenario.faults.length,
    ...gridOf(scenario),
    objective_ms: scenario.objectiveMs ?? null,
    policies,
    oracle_beaten_by: (Object.keys(policies) as PolicyName[]).filter(
      (name) => name !== 'oracle' && beatsOracle(policies[name]),
    ),
    fault_figures: hasWindows ? faults : null,
  };
}

/**
 * Whether a policy's p99, or its p99 of slowdown, is below the oracle's by more than the ratio's
 * 95% interval: the ratio under 1 and the interval's upper end too (with one seed the interval is
 * the ratio itself, so any ratio under 1). The oracle sends each job where it finishes earliest,
 * ignoring the delay that job adds to the images beside it, so a policy that spreads load can beat it.
 */
export function beatsOracle(figures: PolicyFigures | undefined): boolean {
  if (!figures) return false;
  const below = (ratio: number | null, interval: readonly [number | null, number | null]) =>
    ratio !== null && ratio < 1 && interval[1] !== null && interval[1] < 1;
  return (
    below(figures.p99_over_oracle, figures.p99_over_oracle_ci95) ||
    below(figures.p99_slowdown_over_oracle, figures.p99_slowdown_over_oracle_ci95)
  );
}

function pooled(scenario: Scenario, runs: readonly RunResult[], windows?: readonly Fault[]): Float64Array {
  const parts: number[] = [];
  for (const run of runs) {
    if (!windows) parts.push(...latenciesIn(run, scenario.warmupJobs));
    else {
      for (const fault of windows) {
        const from = fault.startS * 1_000;
        parts.push(...latenciesIn(run, scenario.warmupJobs, from, from + fault.durationS * 1_000));
      }
    }
  }
  return Float64Array.from(parts).sort();
}

function pooledP99(scenario: Scenario, runs: readonly RunResult[], windows?: readonly Fault[]): number {
  return latencyFigures(pooled(scenario, runs, windows), scenario.sloMs).p99_ms;
}

function pooledSlowdownP99(scenario: Scenario, runs: readonly RunResult[]): number {
  const parts: number[] = [];
  for (const run of runs) parts.push(...slowdownsIn(run, scenario.warmupJobs));
  return percentile(Float64Array.from(parts).sort(), 0.99);
}

/** How the point describes its requests and curves, and whether it is a work point. */
function gridOf(scenario: Scenario): Pick<PointReport, 'requests' | 'curves' | 'work_grid' | 'spill'> {
  const requests = typeof scenario.requests === 'string' ? scenario.requests : 'custom';
  const mix = mixOf(scenario);
  const mixed = mix.n.length > 1 || mix.steps.length > 1 || mix.sizes.length > 1;
  const kinds = [...new Set(fleetOf(scenario).map((spec) => curveSpecOf(spec, scenario).kind))].sort();
  const curves = kinds.join('+');
  const spill = isSpillPoint(scenario);
  return {
    requests,
    curves,
    work_grid: !spill && scenario.faults.length === 0 && (mixed || curves !== 'batch-slowdown'),
    spill,
  };
}

/** Whether the scenario sets prices or an objective. */
function isSpillPoint(scenario: Scenario): boolean {
  return (
    scenario.objectiveMs !== undefined || fleetOf(scenario).some((spec) => (spec.pricePerImage ?? 0) > 0)
  );
}

function policyFigures(
  scenario: Scenario,
  runs: readonly RunResult[],
  oracle: readonly RunResult[],
  oracleP99: number,
  oracleSlowdown: number,
): PolicyFigures {
  const figures = latencyFigures(pooled(scenario, runs), scenario.sloMs);
  const paired = (of: (runs: readonly RunResult[]) => number) =>
    confidenceInterval(
      runs.map((run) => {
        const match = oracle.find((candidate) => candidate.seed === run.seed);
        return match ? of([run]) / of([match]) : Number.NaN;
      }),
    );
  const interval = paired((seedRuns) => pooledP99(scenario, seedRuns));
  const slowdown = pooledSlowdownP99(scenario, runs);
  const slowdownInterval = paired((seedRuns) => pooledSlowdownP99(scenario, seedRuns));
  const sends = runs.reduce((sum, run) => sum + run.sends, 0);
  const bad = runs.reduce((sum, run) => sum + run.sendsToUnavailable, 0);
  const hedges = runs.reduce((sum, run) => sum + run.hedges, 0);
  const spanS = runs.reduce((sum, run) => sum + measuredSpanMs(scenario, run), 0) / 1_000;
  const regret = regretFigures(runs, scenario.warmupJobs);
  return {
    jobs: figures.jobs,
    p50_ms: rounded(figures.p50_ms, 1),
    p95_ms: rounded(figures.p95_ms, 1),
    p99_ms: rounded(figures.p99_ms, 1),
    p99_over_oracle: rounded(figures.p99_ms / oracleP99),
    p99_over_oracle_ci95: [rounded(interval.low), rounded(interval.high)],
    p99_slowdown: rounded(slowdown, 2),
    p99_slowdown_over_oracle: rounded(slowdown / oracleSlowdown),
    p99_slowdown_over_oracle_ci95: [rounded(slowdownInterval.low), rounded(slowdownInterval.high)],
    within_slo: rounded(figures.within_slo, 4),
    goodput_per_s: rounded((figures.within_slo * figures.jobs) / spanS, 2),
    sent_to_unavailable_share: rounded(sends > 0 ? bad / sends : 0, 5),
    hedge_share: rounded(sends > 0 ? hedges / sends : 0, 4),
    ...spillFigures(scenario, runs),
    ...(regret ? { decision_regret: regret } : {}),
  };
}

/** Cost per image, priced share and objective attainment over the measured jobs. */
function spillFigures(
  scenario: Scenario,
  runs: readonly RunResult[],
): Pick<PolicyFigures, 'cost_per_image' | 'priced_image_share' | 'objective_attainment'> {
  const priced = fleetOf(scenario).map((spec) => (spec.pricePerImage ?? 0) > 0);
  const objective = scenario.objectiveMs;
  let images = 0;
  let pricedImages = 0;
  let cost = 0;
  let jobs = 0;
  let met = 0;
  for (const run of runs) {
    for (let job = scenario.warmupJobs; job < run.arrivalAt.length; job++) {
      const count = run.images[job] ?? 0;
      images += count;
      cost += run.costUsd[job] ?? 0;
      if (priced[run.servedBy[job] ?? -1]) pricedImages += count;
      jobs++;
      // An unfinished job (NaN) misses.
      if (objective !== undefined && (run.latencyMs[job] ?? Number.NaN) <= objective) met++;
    }
  }
  const anyPrice = priced.some(Boolean);
  return {
    cost_per_image: anyPrice && images > 0 ? rounded(cost / images, 6) : null,
    priced_image_share: anyPrice && images > 0 ? rounded(pricedImages / images, 4) : null,
    objective_attainment: objective !== undefined && jobs > 0 ? rounded(met / jobs, 5) : null,
  };
}

function measuredSpanMs(scenario: Scenario, run: RunResult): number {
  const first = run.arrivalAt[scenario.warmupJobs] ?? 0;
  const last = run.arrivalAt[run.arrivalAt.length - 1] ?? first;
  return Math.max(1, last - first);
}

function faultFigures(
  scenario: Scenario,
  runs: readonly RunResult[],
  oracle: readonly RunResult[],
): PolicyFaultFigures {
  const of = (kind: Fault['kind']) => scenario.faults.filter((fault) => fault.kind === kind);
  const p99 = (kind: Fault['kind'], from: readonly RunResult[]) =>
    of(kind).length > 0 ? pooledP99(scenario, from, of(kind)) : Number.NaN;
  const failStop = p99('fail-stop', runs) / p99('fail-stop', oracle);
  const stall = p99('stall', runs) / p99('stall', oracle);
  const worst = [failStop, stall].filter((value) => Number.isFinite(value));
  return {
    fail_stop_p99_ms: rounded(p99('fail-stop', runs), 1),
    stall_p99_ms: rounded(p99('stall', runs), 1),
    slow_p99_ms: rounded(p99('slow', runs), 1),
    fail_stop_p99_over_oracle: rounded(failStop),
    stall_p99_over_oracle: rounded(stall),
    fault_p99_over_oracle: worst.length > 0 ? rounded(Math.max(...worst)) : null,
    dead_pool_seconds: latestSend(scenario, runs, 'fail-stop'),
    stalled_pool_seconds: latestSend(scenario, runs, 'stall'),
  };
}

function latestSend(scenario: Scenario, runs: readonly RunResult[], kind: Fault['kind']): number | null {
  let latest = -1;
  scenario.faults.forEach((fault, index) => {
    if (fault.kind !== kind) return;
    for (const run of runs) latest = Math.max(latest, run.lastSendIntoFaultS[index] ?? -1);
  });
  // No send at all after the fault began counts as 0 s.
  return rounded(Math.max(0, latest));
}
