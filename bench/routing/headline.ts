import type { DecisionCost } from './decision-bench.ts';
import type { PointReport } from './point-report.ts';
import { type SpillHeadline, spillHeadlineOf, spillTargets } from './spill-headline.ts';

/** The issue 4, issue 13 and spill-by-cost figures, each with its target. */
export interface Headline extends SpillHeadline {
  readonly p99_over_oracle: number | null;
  readonly p99_over_oracle_ci95: readonly [number | null, number | null] | null;
  readonly grid_max_p99_over_oracle: number | null;
  readonly grid_max_point: string | null;
  readonly harsh_p99_over_least_loaded_stale: number | null;
  readonly harsh_p99_over_least_busy_local: number | null;
  readonly dead_pool_seconds: number | null;
  readonly stalled_pool_seconds: number | null;
  readonly fault_p99_over_oracle: number | null;
  readonly decision_us_1000_pools: number | null;
  /** Worst edge p99 / oracle over the work points (mixed sizes or measured curves, no faults). */
  readonly work_grid_max_p99_over_oracle: number | null;
  readonly work_grid_max_point: string | null;
  /** Worst edge p99-of-slowdown / oracle's over the work points. */
  readonly work_grid_max_p99_slowdown_over_oracle: number | null;
  readonly work_grid_max_slowdown_point: string | null;
  /** The pre-issue-13 edge policy (`prior-edge`) at the near-linear mixed-size headline point. */
  readonly misspecified_prior_p99_over_oracle: number | null;
  /** Today's edge policy at the same point, for the comparison. */
  readonly work_headline_p99_over_oracle: number | null;
  /**
   * Points where some policy beat the oracle by more than its CI (`oracle_beaten_by`): there the
   * greedy oracle is no lower bound, and a ratio to it (a target met) says less than it seems.
   */
  readonly oracle_beaten_points: string[];
  readonly targets: Record<string, { readonly target: string; readonly met: boolean | null }>;
}

/** Name of the headline point (a file in scenarios/). */
export const HEADLINE_POINT = 'headline';
/** Name of the harsh point. */
export const HARSH_POINT = 'harsh';
/** Name of the fault point. */
export const FAULT_POINT = 'faults';
/** Name of the near-linear mixed-size headline point (rho 0.9, 32 isolates, 1 s snapshots). */
export const WORK_HEADLINE_POINT = 'work-near-linear-headline';
/** Most the new policy's ratio may be of the misspecified prior's at the work headline point. */
const PRIOR_RATIO_LIMIT = 0.5;

/**
 * The headline from the point reports. With the default set: the headline, harsh, faults and work
 * headline points by name, the grid maximum over the issue-4 points without faults (every job
 * alike, `batch-slowdown` curves), the work maxima over the work points. With `--scenario`, the
 * one point stands in for the headline, fault, work and work headline figures where it has them.
 */
export function headlineOf(
  points: readonly PointReport[],
  cost: DecisionCost | null,
  single: boolean,
): Headline {
  const named = (name: string) => points.find((point) => point.name === name);
  const main = single ? points[0] : named(HEADLINE_POINT);
  const faults = single ? points[0] : named(FAULT_POINT);
  const harsh = single ? undefined : named(HARSH_POINT);
  const grid = single ? [] : points.filter((point) => point.faults === 0 && !point.work_grid && !point.spill);
  const [gridMax, gridMaxPoint] = worst(grid, (point) => point.policies.edge?.p99_over_oracle);
  const work = points.filter((point) => point.work_grid);
  const [workMax, workMaxPoint] = worst(work, (point) => point.policies.edge?.p99_over_oracle);
  const [slowdownMax, slowdownMaxPoint] = worst(
    work,
    (point) => point.policies.edge?.p99_slowdown_over_oracle,
  );
  const workHeadline = single ? points[0] : named(WORK_HEADLINE_POINT);
  const prior = workHeadline?.policies['prior-edge']?.p99_over_oracle ?? null;
  const current = workHeadline?.policies.edge?.p99_over_oracle ?? null;
  const harshRatio = (baseline: 'least-loaded-stale' | 'least-busy-local') => {
    const edge = harsh?.policies.edge?.p99_ms ?? null;
    const other = harsh?.policies[baseline]?.p99_ms ?? null;
    return edge !== null && other !== null && other > 0 ? Math.round((edge / other) * 1_000) / 1_000 : null;
  };
  const edgeFaults = faults?.fault_figures?.edge ?? null;
  const figures = {
    p99_over_oracle: main?.policies.edge?.p99_over_oracle ?? null,
    p99_over_oracle_ci95: main?.policies.edge?.p99_over_oracle_ci95 ?? null,
    grid_max_p99_over_oracle: gridMax,
    grid_max_point: gridMaxPoint,
    harsh_p99_over_least_loaded_stale: harshRatio('least-loaded-stale'),
    harsh_p99_over_least_busy_local: harshRatio('least-busy-local'),
    dead_pool_seconds: edgeFaults?.dead_pool_seconds ?? null,
    stalled_pool_seconds: edgeFaults?.stalled_pool_seconds ?? null,
    fault_p99_over_oracle: edgeFaults?.fault_p99_over_oracle ?? null,
    decision_us_1000_pools: cost?.pick_us ?? null,
    work_grid_max_p99_over_oracle: workMax,
    work_grid_max_point: workMaxPoint,
    work_grid_max_p99_slowdown_over_oracle: slowdownMax,
    work_grid_max_slowdown_point: slowdownMaxPoint,
    misspecified_prior_p99_over_oracle: prior,
    work_headline_p99_over_oracle: prior === null ? null : current,
    oracle_beaten_points: points
      .filter((point) => point.oracle_beaten_by.length > 0)
      .map((point) => point.name),
    ...spillHeadlineOf(points, single),
  };
  const atMost = (value: number | null, limit: number) => (value === null ? null : value <= limit);
  return {
    ...figures,
    targets: {
      p99_over_oracle: { target: '<= 1.08', met: atMost(figures.p99_over_oracle, 1.08) },
      grid_max_p99_over_oracle: { target: '<= 1.15', met: atMost(figures.grid_max_p99_over_oracle, 1.15) },
      harsh_p99_over_least_loaded_stale: {
        target: '<= 0.5',
        met: atMost(figures.harsh_p99_over_least_loaded_stale, 0.5),
      },
      harsh_p99_over_least_busy_local: {
        target: '<= 0.5',
        met: atMost(figures.harsh_p99_over_least_busy_local, 0.5),
      },
      dead_pool_seconds: { target: '<= 1', met: atMost(figures.dead_pool_seconds, 1) },
      stalled_pool_seconds: { target: '<= 1.5', met: atMost(figures.stalled_pool_seconds, 1.5) },
      fault_p99_over_oracle: { target: '<= 1.3', met: atMost(figures.fault_p99_over_oracle, 1.3) },
      decision_us_1000_pools: { target: '<= 10', met: atMost(figures.decision_us_1000_pools, 10) },
      work_grid_max_p99_over_oracle: {
        target: '<= 1.15',
        met: atMost(figures.work_grid_max_p99_over_oracle, 1.15),
      },
      work_grid_max_p99_slowdown_over_oracle: {
        target: '<= 1.25',
        met: atMost(figures.work_grid_max_p99_slowdown_over_oracle, 1.25),
      },
      misspecified_prior_p99_over_oracle: {
        target: `edge at the same point (work_headline_p99_over_oracle) <= ${PRIOR_RATIO_LIMIT} x this`,
        met: prior === null || current === null ? null : current <= PRIOR_RATIO_LIMIT * prior,
      },
      ...spillTargets(figures),
    },
  };
}

/** The largest figure over `points` and the point it came from (nulls when none has one). */
function worst(
  points: readonly PointReport[],
  figure: (point: PointReport) => number | null | undefined,
): [number | null, string | null] {
  let max: number | null = null;
  let at: string | null = null;
  for (const point of points) {
    const value = figure(point) ?? null;
    if (value !== null && (max === null || value > max)) {
      max = value;
      at = point.name;
    }
  }
  return [max, at];
}
