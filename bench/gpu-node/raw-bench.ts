import type { ModelManifest } from '../../gpu-node/model/model-manifest.ts';
import type { ExecutionProvider } from '../../shared/index.ts';
import { cpuSnapshot, foreignCores } from './host-cpu.ts';
import { type LatencySummary, round, summarize } from './percentiles.ts';
import { startRawPool } from './raw-pool.ts';
import type { PhaseTotals, RawShape } from './raw-protocol.ts';

/** How the raw ONNX Runtime benchmark runs. */
export interface RawBenchOptions {
  readonly manifest: ModelManifest;
  readonly providers: readonly ExecutionProvider[];
  readonly shape: RawShape;
  readonly batchSizes: readonly number[];
  readonly durationMs: number;
  readonly pngLevel: number;
  readonly latencyCount: number;
}

/** Throughput of W workers generating batches of one size back to back. */
export interface RawThroughput {
  readonly batch_size: number;
  readonly images: number;
  readonly wall_ms: number | null;
  readonly images_per_s: number | null;
  /** Worker-thread milliseconds per image in each phase (summed over workers). */
  readonly per_image_ms: Record<'prepare' | 'denoise' | 'decode' | 'png', number | null>;
  /** CPU other processes on the host used meanwhile; above ~0.1 the number is contaminated. */
  readonly foreign_cpu_cores: number | null;
}

/** Throughput at every batch size, and the best of them. */
export interface RawSeries {
  readonly results: readonly RawThroughput[];
  readonly best: { readonly batch_size: number; readonly images_per_s: number } | null;
}

/** Everything the raw benchmark measured. */
export interface RawReport {
  readonly provider: ExecutionProvider;
  readonly workers: number;
  readonly intra_op_threads: number;
  readonly raw: RawSeries;
  readonly raw_with_png: RawSeries;
  readonly raw_latency: LatencySummary;
  readonly raw_compute_ms_p50: number | null;
}

/**
 * Measures ONNX Runtime alone with the server's parallelism: per batch size, images/s without
 * and with PNG encoding; then single-image latency on one worker (denoise + decode + PNG).
 */
export async function runRawBench(options: RawBenchOptions, log: (line: string) => void): Promise<RawReport> {
  const pool = await startRawPool(options.manifest, options.providers);
  log(`raw: ${pool.workers} worker(s) × ${pool.intraOpThreads} thread(s) on ${pool.provider}`);
  try {
    const plain: RawThroughput[] = [];
    const withPng: RawThroughput[] = [];
    for (const batchSize of options.batchSizes) {
      await pool.askAll(
        { type: 'prepare', shape: options.shape, batchSize, pngLevel: options.pngLevel },
        'prepared',
      );
      for (const [series, pngLevel] of [
        [plain, null],
        [withPng, options.pngLevel],
      ] as const) {
        const before = cpuSnapshot();
        const replies = await pool.askAll(
          {
            type: 'throughput',
            shape: options.shape,
            batchSize,
            durationMs: options.durationMs,
            minBatches: 1,
            pngLevel,
          },
          'throughput-result',
        );
        const after = cpuSnapshot();
        const result = throughput(batchSize, after.at - before.at, replies, foreignCores(before, after));
        series.push(result);
        log(`raw b=${batchSize}${pngLevel === null ? '' : ' +png'}: ${result.images_per_s} images/s`);
      }
    }
    await pool.askAll(
      { type: 'prepare', shape: options.shape, batchSize: 1, pngLevel: options.pngLevel },
      'prepared',
    );
    const [latency] = await pool.askAll(
      { type: 'latency', shape: options.shape, count: options.latencyCount, pngLevel: options.pngLevel },
      'latency-result',
      1,
    );
    const rawLatency = summarize(latency?.samplesMs ?? []);
    log(`raw latency b=1: p50 ${rawLatency.p50_ms} ms`);
    return {
      provider: pool.provider,
      workers: pool.workers,
      intra_op_threads: pool.intraOpThreads,
      raw: series(plain),
      raw_with_png: series(withPng),
      raw_latency: rawLatency,
      raw_compute_ms_p50: rawLatency.p50_ms,
    };
  } finally {
    await pool.close();
  }
}

function throughput(
  batchSize: number,
  wallMs: number,
  replies: ReadonlyArray<{ images: number; phases: PhaseTotals }>,
  foreign: number | null,
): RawThroughput {
  const images = replies.reduce((sum, reply) => sum + reply.images, 0);
  const perImage = (pick: (phases: PhaseTotals) => number) =>
    round(images === 0 ? null : replies.reduce((sum, reply) => sum + pick(reply.phases), 0) / images, 3);
  return {
    batch_size: batchSize,
    images,
    wall_ms: round(wallMs, 1),
    images_per_s: round(wallMs > 0 ? (images * 1000) / wallMs : null, 3),
    per_image_ms: {
      prepare: perImage((phases) => phases.prepareMs),
      denoise: perImage((phases) => phases.denoiseMs),
      decode: perImage((phases) => phases.decodeMs),
      png: perImage((phases) => phases.pngMs),
    },
    foreign_cpu_cores: foreign,
  };
}

function series(results: readonly RawThroughput[]): RawSeries {
  let best: RawSeries['best'] = null;
  for (const result of results) {
    if (result.images_per_s !== null && (best === null || result.images_per_s > best.images_per_s)) {
      best = { batch_size: result.batch_size, images_per_s: result.images_per_s };
    }
  }
  return { results, best };
}
