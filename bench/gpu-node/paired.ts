import type { GenerateBody, GpuNodeClient } from './http-client.ts';
import { percentileOfSorted, round, sortedAscending } from './percentiles.ts';
import { runSaturation } from './saturation.ts';

/** Raw ONNX Runtime throughput the paired rounds alternate with the server's. */
export interface RawProbe {
  /** images/s of every worker at the best batch size, for a few seconds. */
  throughput(): Promise<number | null>;
}

/** How the paired rounds run. */
export interface PairedOptions {
  readonly rounds: number;
  readonly clients: number;
  readonly rampMs: number;
  readonly staggerMs: number;
  readonly saturationMs: number;
  readonly probeIntervalMs: number;
  readonly origin: string;
  readonly serverPid: number | undefined;
  readonly body: (sequence: number) => GenerateBody;
}

/** One round: raw and server back to back (in turn first), so both see the same host speed. */
export interface PairedRound {
  readonly raw_images_per_s: number | null;
  readonly e2e_images_per_s: number | null;
  readonly saturation_ratio: number | null;
  readonly foreign_cpu_cores: number | null;
}

/** Rounds and their medians. */
export interface PairedReport {
  readonly rounds: readonly PairedRound[];
  readonly saturation_ratio_median: number | null;
}

/**
 * Alternates short raw and server throughput measurements. A shared virtual machine's speed drifts by tens
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
    // Alternating which goes first cancels a steady drift across the pair as well.
    const serve = () =>
      runSaturation(client, ops, {
        ...options,
        durationMs: options.saturationMs,
        sliceMs: options.saturationMs,
      });
    const rawFirst = index % 2 === 1;
    const rawBefore = rawFirst ? await raw.throughput() : null;
    const saturation = await serve();
    const rawImagesPerSecond = rawFirst ? rawBefore : await raw.throughput();
    const e2eImagesPerSecond = saturation.images_per_s;
    const measured: PairedRound = {
      raw_images_per_s: rawImagesPerSecond,
      e2e_images_per_s: e2eImagesPerSecond,
      saturation_ratio:
        rawImagesPerSecond && e2eImagesPerSecond !== null
          ? round(e2eImagesPerSecond / rawImagesPerSecond, 3)
          : null,
      foreign_cpu_cores: saturation.foreign_cpu_cores,
    };
    rounds.push(measured);
    log(
      `paired round ${index}: raw ${rawImagesPerSecond}, served ${e2eImagesPerSecond} images/s, ratio ${measured.saturation_ratio}`,
    );
  }
  return {
    rounds,
    saturation_ratio_median: median(rounds.map((entry) => entry.saturation_ratio)),
  };
}

function median(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return round(percentileOfSorted(sortedAscending(present), 0.5), 3);
}
