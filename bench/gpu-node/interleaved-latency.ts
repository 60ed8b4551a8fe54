import type { GenerateBody, GpuNodeClient } from './http-client.ts';
import type { HttpFloor } from './http-floor.ts';
import { round, summarize } from './percentiles.ts';

/** Latency with raw compute, gpu-node and the HTTP floor measured in turn, one image each. */
export interface InterleavedLatency {
  readonly rounds: number;
  /** One image on one raw ONNX Runtime worker (denoise, decode, PNG), milliseconds. */
  readonly raw_p50_ms: number | null;
  /** One image through gpu-node over HTTP, as the client saw it. */
  readonly e2e_p50_ms: number | null;
  /**
   * Median over rounds of (gpu-node call − the raw image just before it): what gpu-node adds to
   * the compute. Per-round differences, because this host's speed flips between two modes about
   * 1.6x apart, and the difference of two medians then jumps by tens of milliseconds.
   */
  readonly added_p50_ms: number | null;
  /**
   * The bare-Node HTTP floor: a server that waits as long as the raw image took and then writes
   * a prebuilt response with the same image bytes; client latency minus that wait.
   */
  readonly http_floor_p50_ms: number | null;
  /** What gpu-node adds beyond that floor. */
  readonly added_over_floor_p50_ms: number | null;
  readonly image_bytes: number | null;
  /** Every round's three figures, milliseconds: raw image, gpu-node call, floor overhead. */
  readonly samples: ReadonlyArray<readonly [number, number, number]>;
}

const floorWarmupCalls = 20;

const twoDecimals = (value: number) => Math.round(value * 100) / 100;

/** How the interleaved rounds reach each side. */
export interface InterleavedSides {
  readonly client: GpuNodeClient;
  readonly floor: HttpFloor;
  /** One raw image on an otherwise idle worker; its milliseconds. */
  readonly rawImage: () => Promise<number>;
  readonly body: (sequence: number) => GenerateBody;
}

/**
 * Alternates one raw image, one gpu-node call and one floor call, `rounds` times. A shared
 * virtual machine's speed drifts by tens of percent within a minute; measured in turn, the
 * three see the same host, and each round's difference cancels its speed.
 */
export async function measureInterleaved(
  sides: InterleavedSides,
  rounds: number,
): Promise<InterleavedLatency> {
  const samples: Array<[number, number, number]> = [];
  // The floor server is a fresh process: warm its code paths as gpu-node's were warmed.
  const imageBytes = (await sides.client.generate(sides.body(999_999))).imageBytes;
  for (let warm = 0; warm < floorWarmupCalls; warm++) await sides.floor.call(0, imageBytes);
  for (let index = 0; index < rounds; index++) {
    const rawMs = await sides.rawImage();
    const served = await sides.client.generate(sides.body(1_000_000 + index));
    const floored = await sides.floor.call(rawMs, imageBytes);
    const floorMs = floored.latencyMs - floored.computeMs;
    samples.push([twoDecimals(rawMs), twoDecimals(served.latencyMs), twoDecimals(floorMs)]);
  }
  const p50 = (values: number[]) => summarize(values).p50_ms;
  const added = p50(samples.map(([raw, e2e]) => e2e - raw));
  const floorP50 = p50(samples.map(([, , floor]) => floor));
  return {
    rounds,
    raw_p50_ms: p50(samples.map(([raw]) => raw)),
    e2e_p50_ms: p50(samples.map(([, e2e]) => e2e)),
    added_p50_ms: added === null ? null : round(added),
    http_floor_p50_ms: floorP50,
    added_over_floor_p50_ms: added === null || floorP50 === null ? null : round(added - floorP50),
    image_bytes: imageBytes,
    samples,
  };
}
