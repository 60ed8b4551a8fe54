import type { GenerateBody, GpuNodeClient } from './http-client.ts';
import { runClosedLoop } from './load-loop.ts';
import { percentileOfSorted, round, sortedAscending, summarize } from './percentiles.ts';
import { runSaturation } from './saturation.ts';

/** Raw ONNX Runtime measurements the paired rounds alternate with the server's. */
export interface RawProbe {
  /** images/s of every worker at the best batch size, for a few seconds. */
  throughput(): Promise<number | null>;
  /** `count` single images on one worker (denoise, decode, PNG), each one's milliseconds. */
  latencies(count: number): Promise<readonly number[]>;
}

/** How the paired rounds run. */
export interface PairedOptions {
  readonly rounds: number;
  readonly clients: number;
  readonly rampMs: number;
  readonly saturationMs: number;
  readonly singleClientJobs: number;
  readonly probeIntervalMs: number;
  readonly origin: string;
  readonly serverPid: number | undefined;
  readonly body: (sequence: number) => GenerateBody;
}

/** One round: raw then server, back to back, so both see the same host speed. */
export interface PairedRound {
  readonly raw_images_per_s: number | null;
  readonly e2e_images_per_s: number | null;
  readonly saturation_ratio: number | null;
  readonly raw_p50_ms: number | null;
  readonly e2e_p50_ms: number | null;
  readonly added_p50_ms: number | null;
  readonly foreign_cpu_cores: number | null;
}

/** Rounds and their medians. */
export interface PairedReport {
  readonly rounds: readonly PairedRound[];
  readonly saturation_ratio_median: number | null;
  readonly added_p50_ms_median: number | null;
}

/**
 * Alternates short raw and server measurements. A shared virtual machine's speed drifts by tens
 * of percent over a minute; a ratio of two measurements taken seconds apart cancels most of it.
 */
export async function runPaired(
  client: GpuNodeClient,
  ops: GpuNodeClient,
  raw: RawProbe,
  options: PairedOptions,
  log: (line: string) => void,
): Promise<PairedReport> {
  const rounds: PairedRound[] = [];
  for (let index = 1; index <= options.rounds; index++) {
    const rawImagesPerSecond = await raw.throughput();
    const saturation = await runSaturation(client, ops, {
      ...options,
      durationMs: options.saturationMs,
      sliceMs: options.saturationMs,
    });
    const rawP50 = summarize(await raw.latencies(options.singleClientJobs)).p50_ms;
    const single = await runClosedLoop(client, {
      clients: 1,
      jobsPerClient: options.singleClientJobs,
      stopAt: Number.POSITIVE_INFINITY,
      body: options.body,
    });
    const e2eP50 = summarize(single.timings.map((timing) => timing.latencyMs)).p50_ms;
    const e2eImagesPerSecond = saturation.images_per_s;
    const measured: PairedRound = {
      raw_images_per_s: rawImagesPerSecond,
      e2e_images_per_s: e2eImagesPerSecond,
      saturation_ratio:
        rawImagesPerSecond && e2eImagesPerSecond !== null
          ? round(e2eImagesPerSecond / rawImagesPerSecond, 3)
          : null,
      raw_p50_ms: rawP50,
      e2e_p50_ms: e2eP50,
      added_p50_ms: rawP50 === null || e2eP50 === null ? null : round(e2eP50 - rawP50),
      foreign_cpu_cores: saturation.foreign_cpu_cores,
    };
    rounds.push(measured);
    log(`paired round ${index}: ratio ${measured.saturation_ratio}, added p50 ${measured.added_p50_ms} ms`);
  }
  return {
    rounds,
    saturation_ratio_median: median(rounds.map((entry) => entry.saturation_ratio)),
    added_p50_ms_median: median(rounds.map((entry) => entry.added_p50_ms)),
  };
}

function median(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return round(percentileOfSorted(sortedAscending(present), 0.5), 3);
}
