import { round } from '../gpu-node/percentiles.ts';
import type { VariantResult } from './breakdown-phase.ts';
import type { EdgeBenchEnvironment } from './edge-environment.ts';
import type { EdgeBenchOptions } from './edge-options.ts';
import type { HandlerVariantResult } from './handler-phase.ts';
import type { MiniflareResults } from './miniflare-phase.ts';
import type { WranglerResults } from './wrangler-phase.ts';

/** Targets the edge is held to, against the bare passthrough in the same runtime. */
export const targets = { added_p50_ms_over_bare: '<= 0.3', throughput_ratio_over_bare: '>= 0.8' } as const;
const maxAddedP50Ms = 0.3;
const minThroughputRatio = 0.8;

/** The headline figures, all from the Miniflare phase. */
export interface Headline {
  /** Spillway p50 minus bare passthrough p50, at 1 client (ms). */
  readonly added_p50_ms_over_bare: number | null;
  /** Spillway rps over bare passthrough rps, at the bench's client count. */
  readonly throughput_ratio_over_bare: number | null;
  /** Spillway p50 minus the upstream's own p50: what `npm start` adds to a request (ms). */
  readonly npm_start_added_p50_ms: number | null;
  readonly targets: typeof targets;
  readonly met: {
    readonly added_p50_ms_over_bare: boolean | null;
    readonly throughput_ratio_over_bare: boolean | null;
  };
}

/** The document `npm run bench:edge -- --json` prints. */
export interface EdgeBenchReport {
  readonly headline: Headline;
  readonly miniflare: MiniflareResults;
  readonly wrangler_dev: WranglerResults | null;
  /** Variants of the edge measured side by side, locating its extra time; null when skipped. */
  readonly breakdown: Record<string, VariantResult> | null;
  /** The edge app's JS work per request in Node with stubbed I/O, per knock-out; null when skipped. */
  readonly handler_js: Record<string, HandlerVariantResult> | null;
  readonly environment: EdgeBenchEnvironment;
  readonly settings: EdgeBenchOptions;
  readonly notes: readonly string[];
}

/** Computes the headline from the Miniflare figures. */
export function headline(miniflare: MiniflareResults): Headline {
  const { bare, spillway, direct } = miniflare;
  const difference = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null ? null : round(a - b, 3);
  const added = difference(spillway?.p50_ms, bare?.p50_ms);
  const ratio = spillway && bare && bare.rps > 0 ? round(spillway.rps / bare.rps, 3) : null;
  return {
    added_p50_ms_over_bare: added,
    throughput_ratio_over_bare: ratio,
    npm_start_added_p50_ms: difference(spillway?.p50_ms, direct?.p50_ms),
    targets,
    met: {
      added_p50_ms_over_bare: added === null ? null : added <= maxAddedP50Ms,
      throughput_ratio_over_bare: ratio === null ? null : ratio >= minThroughputRatio,
    },
  };
}
