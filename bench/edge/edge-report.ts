import { round } from '../gpu-node/percentiles.ts';
import type { VariantResult } from './breakdown-phase.ts';
import type { EdgeBenchEnvironment } from './edge-environment.ts';
import type { EdgeBenchOptions } from './edge-options.ts';
import type { HandlerVariantResult } from './handler-phase.ts';
import type { MiniflareResults } from './miniflare-phase.ts';
import type { WranglerResults } from './wrangler-phase.ts';

/**
 * Targets the edge is held to: against the bare passthrough in the same runtime, and against the
 * Portkey gateway in front of the same upstream (issue 15).
 */
export const targets = {
  added_p50_ms_over_bare: '<= 0.3',
  throughput_ratio_over_bare: '>= 0.8',
  throughput_ratio_over_portkey: '>= 1.2',
  loaded_p99_over_portkey: '<= 1.0',
} as const;
const maxAddedP50Ms = 0.3;
const minThroughputRatio = 0.8;
const minThroughputOverPortkey = 1.2;
const maxLoadedP99OverPortkey = 1;

/** The headline figures, all from the Miniflare phase (Portkey measured alongside it). */
export interface Headline {
  /** Spillway p50 minus bare passthrough p50, at 1 client (ms). */
  readonly added_p50_ms_over_bare: number | null;
  /** Spillway rps over bare passthrough rps, at the bench's client count. */
  readonly throughput_ratio_over_bare: number | null;
  /** Spillway p50 minus the upstream's own p50: what `npm start` adds to a request (ms). */
  readonly npm_start_added_p50_ms: number | null;
  /** Spillway rps over Portkey's, same upstream and client count, rounds alternating. */
  readonly throughput_ratio_over_portkey: number | null;
  /** Spillway's p99 under load over Portkey's. */
  readonly loaded_p99_over_portkey: number | null;
  /** Stalls under load (bench/edge/stall-trace.ts), per path, over the timed windows. */
  readonly loaded_stalls: {
    readonly spillway: number | null;
    readonly bare: number | null;
    readonly portkey: number | null;
    readonly window_s: number | null;
  };
  readonly targets: typeof targets;
  readonly met: {
    readonly added_p50_ms_over_bare: boolean | null;
    readonly throughput_ratio_over_bare: boolean | null;
    readonly throughput_ratio_over_portkey: boolean | null;
    readonly loaded_p99_over_portkey: boolean | null;
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
  const { bare, spillway, direct, portkey } = miniflare;
  const difference = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null ? null : round(a - b, 3);
  const quotient = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null || b <= 0 ? null : round(a / b, 3);
  const added = difference(spillway?.p50_ms, bare?.p50_ms);
  const ratio = quotient(spillway?.rps, bare?.rps);
  const overPortkey = quotient(spillway?.rps, portkey?.rps);
  const p99OverPortkey = quotient(spillway?.loaded_p99_ms, portkey?.loaded_p99_ms);
  const check = (value: number | null, met: (value: number) => boolean) =>
    value === null ? null : met(value);
  return {
    added_p50_ms_over_bare: added,
    throughput_ratio_over_bare: ratio,
    npm_start_added_p50_ms: difference(spillway?.p50_ms, direct?.p50_ms),
    throughput_ratio_over_portkey: overPortkey,
    loaded_p99_over_portkey: p99OverPortkey,
    loaded_stalls: {
      spillway: spillway?.loaded_stalls?.count ?? null,
      bare: bare?.loaded_stalls?.count ?? null,
      portkey: portkey?.loaded_stalls?.count ?? null,
      window_s: spillway?.loaded_stalls?.window_s ?? null,
    },
    targets,
    met: {
      added_p50_ms_over_bare: check(added, (value) => value <= maxAddedP50Ms),
      throughput_ratio_over_bare: check(ratio, (value) => value >= minThroughputRatio),
      throughput_ratio_over_portkey: check(overPortkey, (value) => value >= minThroughputOverPortkey),
      loaded_p99_over_portkey: check(p99OverPortkey, (value) => value <= maxLoadedP99OverPortkey),
    },
  };
}
