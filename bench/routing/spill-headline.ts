import type { PointReport } from './point-report.ts';

/** The spill-by-cost figures of the headline (the federation issue). */
export interface SpillHeadline {
  /** Pure fastest's objective attainment minus the edge's, percentage points, at the spill point. */
  readonly spill_attainment_gap_pp: number | null;
  /** The edge's cost per image over pure fastest's at the spill point. */
  readonly spill_cost_ratio: number | null;
  readonly spill_point: string | null;
  /** The edge's, fastest's and cheapest's attainment and cost per image there, for context. */
  readonly spill_attainment: SpillTriple | null;
  readonly spill_cost_per_image: SpillTriple | null;
}

/** One figure for each of the three cost policies. */
export interface SpillTriple {
  readonly edge: number | null;
  readonly fastest: number | null;
  readonly cheapest: number | null;
}

/** Name of the spill point (a file in scenarios/): owned pools cover ~70% of demand. */
export const SPILL_POINT = 'spill-owned-70';
/** Most the edge's attainment may trail pure fastest's, percentage points. */
export const SPILL_GAP_LIMIT_PP = 1;
/** Most the edge's cost per image may be of pure fastest's. */
export const SPILL_COST_RATIO_LIMIT = 0.7;

/**
 * The spill figures from the point reports: the `spill-owned-70` point in the default set, the one
 * point with `--scenario` when it is a spill point with an objective. Nulls when there is none.
 */
export function spillHeadlineOf(points: readonly PointReport[], single: boolean): SpillHeadline {
  const point = single
    ? points.find((candidate) => candidate.spill && candidate.objective_ms !== null)
    : points.find((candidate) => candidate.name === SPILL_POINT);
  const figure = (policy: 'edge' | 'fastest' | 'cheapest', name: 'objective_attainment' | 'cost_per_image') =>
    point?.policies[policy]?.[name] ?? null;
  const gap = subtract(figure('fastest', 'objective_attainment'), figure('edge', 'objective_attainment'));
  const edgeCost = figure('edge', 'cost_per_image');
  const fastestCost = figure('fastest', 'cost_per_image');
  const triple = (name: 'objective_attainment' | 'cost_per_image'): SpillTriple | null =>
    point
      ? { edge: figure('edge', name), fastest: figure('fastest', name), cheapest: figure('cheapest', name) }
      : null;
  return {
    spill_attainment_gap_pp: gap === null ? null : Math.round(gap * 100 * 1_000) / 1_000,
    spill_cost_ratio:
      edgeCost !== null && fastestCost !== null && fastestCost > 0
        ? Math.round((edgeCost / fastestCost) * 1_000) / 1_000
        : null,
    spill_point: point?.name ?? null,
    spill_attainment: triple('objective_attainment'),
    spill_cost_per_image: triple('cost_per_image'),
  };
}

/** The spill targets, in the headline's `targets` shape. */
export function spillTargets(
  figures: Pick<SpillHeadline, 'spill_attainment_gap_pp' | 'spill_cost_ratio'>,
): Record<string, { readonly target: string; readonly met: boolean | null }> {
  const atMost = (value: number | null, limit: number) => (value === null ? null : value <= limit);
  return {
    spill_attainment_gap_pp: {
      target: `<= ${SPILL_GAP_LIMIT_PP}`,
      met: atMost(figures.spill_attainment_gap_pp, SPILL_GAP_LIMIT_PP),
    },
    spill_cost_ratio: {
      target: `<= ${SPILL_COST_RATIO_LIMIT}`,
      met: atMost(figures.spill_cost_ratio, SPILL_COST_RATIO_LIMIT),
    },
  };
}

function subtract(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}
