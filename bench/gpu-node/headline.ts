import type { E2eReport } from './e2e-bench.ts';
import { round } from './percentiles.ts';
import type { RawReport } from './raw-bench.ts';

/** What gpu-node is held to, against raw ONNX Runtime on the same host. */
export const targets = { saturation_ratio: '>= 0.9', added_p50_ms: '<= 1', health_p99_ms: '<= 10' } as const;

/** The few numbers that say whether the server keeps up with the runtime it wraps. */
export interface Headline {
  /**
   * e2e images/s over raw images/s at the best batch size, median of the paired rounds (raw and
   * server measured seconds apart, in turn first); the unpaired ratio when no rounds ran.
   */
  readonly saturation_ratio: number | null;
  /** e2e p50 at one client minus raw single-image p50 (denoise, decode, PNG), measured in turn. */
  readonly added_p50_ms: number | null;
  readonly health_p99_ms: number | null;
  /**
   * The same figure for a bare Node HTTP server on this host: same idle wait, same image bytes,
   * response prebuilt. What any Node HTTP service pays here before doing anything.
   */
  readonly http_floor_p50_ms: number | null;
  /** added_p50_ms minus http_floor_p50_ms: what gpu-node itself adds. */
  readonly added_over_floor_p50_ms: number | null;
  /** Main-run e2e images/s over the best of every raw run, minutes apart (drift not cancelled). */
  readonly saturation_ratio_unpaired: number | null;
  /** The same, against the best raw run that included PNG encoding. */
  readonly saturation_ratio_unpaired_vs_raw_with_png: number | null;
  /** Single-client p50 minus raw p50 from separate blocks, minutes apart. */
  readonly added_p50_ms_unpaired: number | null;
  readonly targets: typeof targets;
  readonly met: Record<keyof typeof targets, boolean>;
}

/** Computes the headline from the raw and end-to-end reports. */
export function headline(raw: RawReport, e2e: E2eReport): Headline {
  const served = e2e.saturation.images_per_s;
  const ratio = (base: number | undefined) => (served === null || !base ? null : round(served / base, 3));
  const singleP50 = e2e.single_client.latency.p50_ms;
  const rawP50 = raw.raw_compute_ms_p50;
  const unpaired = ratio(raw.raw.best?.images_per_s);
  const result = {
    saturation_ratio: e2e.paired?.saturation_ratio_median ?? unpaired,
    added_p50_ms: e2e.interleaved.added_p50_ms,
    health_p99_ms: e2e.saturation.health.p99_ms,
    http_floor_p50_ms: e2e.interleaved.http_floor_p50_ms,
    added_over_floor_p50_ms: e2e.interleaved.added_over_floor_p50_ms,
    saturation_ratio_unpaired: unpaired,
    saturation_ratio_unpaired_vs_raw_with_png: ratio(raw.raw_with_png.best?.images_per_s),
    added_p50_ms_unpaired: singleP50 === null || rawP50 === null ? null : round(singleP50 - rawP50),
  };
  return {
    ...result,
    targets,
    met: {
      saturation_ratio: result.saturation_ratio !== null && result.saturation_ratio >= 0.9,
      added_p50_ms: result.added_p50_ms !== null && result.added_p50_ms <= 1,
      health_p99_ms: result.health_p99_ms !== null && result.health_p99_ms <= 10,
    },
  };
}
