import type { E2eReport } from './e2e-bench.ts';
import { round } from './percentiles.ts';
import type { RawReport } from './raw-bench.ts';

/** What gpu-node is held to, against raw ONNX Runtime on the same host. */
export const targets = { saturation_ratio: '>= 0.9', added_p50_ms: '<= 1', health_p99_ms: '<= 10' } as const;

/** The few numbers that say whether the server keeps up with the runtime it wraps. */
export interface Headline {
  /** e2e images/s over the best raw ONNX-only images/s. */
  readonly saturation_ratio: number | null;
  /** e2e images/s over the best raw images/s including PNG encoding. */
  readonly saturation_ratio_vs_raw_with_png: number | null;
  /** e2e p50 latency at one client minus raw single-image compute p50 (denoise, decode, PNG). */
  readonly added_p50_ms: number | null;
  readonly health_p99_ms: number | null;
  /** Medians over rounds that measure raw and server seconds apart (see `e2e.paired`). */
  readonly saturation_ratio_paired: number | null;
  readonly added_p50_ms_paired: number | null;
  readonly targets: typeof targets;
  readonly met: Record<keyof typeof targets, boolean>;
}

/** Computes the headline from the raw and end-to-end reports. */
export function headline(raw: RawReport, e2e: E2eReport): Headline {
  const served = e2e.saturation.images_per_s;
  const ratio = (base: number | undefined) => (served === null || !base ? null : round(served / base, 3));
  const singleP50 = e2e.single_client.latency.p50_ms;
  const rawP50 = raw.raw_compute_ms_p50;
  const result = {
    saturation_ratio: ratio(raw.raw.best?.images_per_s),
    saturation_ratio_vs_raw_with_png: ratio(raw.raw_with_png.best?.images_per_s),
    added_p50_ms: singleP50 === null || rawP50 === null ? null : round(singleP50 - rawP50),
    health_p99_ms: e2e.saturation.health.p99_ms,
    saturation_ratio_paired: e2e.paired?.saturation_ratio_median ?? null,
    added_p50_ms_paired: e2e.paired?.added_p50_ms_median ?? null,
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
