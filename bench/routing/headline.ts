import type { DecisionCost } from './decision-bench.ts';
import type { PointReport } from './point-report.ts';

/** The issue 4 figures, each with its target. */
export interface Headline {
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
  readonly targets: Record<string, { readonly target: string; readonly met: boolean | null }>;
}

/** Name of the headline point (a file in scenarios/). */
export const HEADLINE_POINT = 'headline';
/** Name of the harsh point. */
export const HARSH_POINT = 'harsh';
/** Name of the fault point. */
export const FAULT_POINT = 'faults';

/**
 * The headline from the point reports. With the default set: the headline, harsh and faults
 * points by name, the grid maximum over every point without faults. With `--scenario`, the one
 * point stands in for the headline and fault figures.
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
  const grid = single ? [] : points.filter((point) => point.faults === 0);
  let gridMax: number | null = null;
  let gridMaxPoint: string | null = null;
  for (const point of grid) {
    const ratio = point.policies.edge?.p99_over_oracle ?? null;
    if (ratio !== null && (gridMax === null || ratio > gridMax)) {
      gridMax = ratio;
      gridMaxPoint = point.name;
    }
  }
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
    },
  };
}
