import type { ExecutionProvider } from '../../shared/index.ts';
import { cpuSnapshot, foreignCores } from './host-cpu.ts';
import { type LatencySummary, round, summarize } from './percentiles.ts';
import type { RawPool } from './raw-pool.ts';
import type { PhaseTotals, RawShape } from './raw-protocol.ts';

/** How the raw ONNX Runtime benchmark runs. */
export interface RawBenchOptions {
  readonly shape: RawShape;
  readonly batchSizes: readonly number[];
  readonly durationMs: number;
  readonly pngLevel: number;
  readonly latencyCount: number;
  /** Passes over every batch size; each batch size keeps its best pass. */
  readonly repeats: number;
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
  /** Every pass at this batch size; the fields above are the fastest pass's. */
  readonly runs: ReadonlyArray<{
    readonly images_per_s: number | null;
    readonly foreign_cpu_cores: number | null;
  }>;
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
  readonly raw_latency: LatencySummary & { readonly foreign_cpu_cores: number | null };
  readonly raw_compute_ms_p50: number | null;
}

/**
 * Measures ONNX Runtime alone with the server's parallelism: per batch size, images/s without
 * and with PNG encoding; then single-image latency on one worker (denoise + decode + PNG).
 */
export async function runRawBench(
  pool: RawPool,
  options: RawBenchOptions,
  log: (line: string) => void,
): Promise<RawReport> {
  log(`raw: ${pool.workers} worker(s) × ${pool.intraOpThreads} thread(s) on ${pool.provider}`);
  const plain = new Map<number, RawThroughput>();
  const withPng = new Map<number, RawThroughput>();
  const latencySamples: number[] = [];
  let latencyForeign = 0;
  // Passes interleave batch sizes so a noisy neighbour spoils one run of each, not every run of one.
  for (let pass = 1; pass <= options.repeats; pass++) {
    for (const batchSize of options.batchSizes) {
      await pool.askAll(
        { type: 'prepare', shape: options.shape, batchSize, pngLevel: options.pngLevel },
        'prepared',
      );
      for (const [kept, pngLevel] of [
        [plain, null],
        [withPng, options.pngLevel],
      ] as const) {
        const result = keepBest(kept, await measureThroughput(pool, options, batchSize, pngLevel));
        log(
          `raw pass ${pass} b=${batchSize}${pngLevel === null ? '' : ' +png'}: ${result.runs.map((run) => run.images_per_s).join(', ')} images/s`,
        );
      }
    }
    const measured = await measureLatency(pool, options, options.latencyCount);
    latencySamples.push(...measured.samplesMs);
    latencyForeign = Math.max(latencyForeign, measured.foreign ?? 0);
    const passSummary = summarize(measured.samplesMs);
    log(`raw pass ${pass} latency b=1: p50 ${passSummary.p50_ms} ms`);
  }
  // Every pass's samples together: the host's speed drifts, and no pass is more right than another.
  const rawLatency = summarize(latencySamples);
  return {
    provider: pool.provider,
    workers: pool.workers,
    intra_op_threads: pool.intraOpThreads,
    raw: series([...plain.values()]),
    raw_with_png: series([...withPng.values()]),
    raw_latency: { ...rawLatency, foreign_cpu_cores: latencyForeign },
    raw_compute_ms_p50: rawLatency.p50_ms,
  };
}

/** Every worker generates batches of `batchSize` for `durationMs` (at least one batch each). */
export async function measureThroughput(
  pool: RawPool,
  options: Pick<RawBenchOptions, 'shape' | 'durationMs'>,
  batchSize: number,
  pngLevel: number | null,
): Promise<RawThroughput> {
  const { shape, durationMs } = options;
  const before = cpuSnapshot();
  const replies = await pool.askAll(
    { type: 'throughput', shape, batchSize, durationMs, minBatches: 1, pngLevel },
    'throughput-result',
  );
  const after = cpuSnapshot();
  return throughput(batchSize, after.at - before.at, replies, foreignCores(before, after));
}

/** Worker 0 alone generates `count` single images (denoise, decode, PNG); returns each one's time. */
async function measureLatency(
  pool: RawPool,
  options: Pick<RawBenchOptions, 'shape' | 'pngLevel'>,
  count: number,
): Promise<{ samplesMs: readonly number[]; foreign: number | null }> {
  const { shape, pngLevel } = options;
  await pool.askAll({ type: 'prepare', shape, batchSize: 1, pngLevel }, 'prepared', 1);
  const before = cpuSnapshot();
  const [reply] = await pool.askAll({ type: 'latency', shape, count, pngLevel }, 'latency-result', 1);
  return { samplesMs: reply?.samplesMs ?? [], foreign: foreignCores(before, cpuSnapshot()) };
}

/** One image on worker 0 as it is (no warm-up first, as a request finds gpu-node's worker). */
export async function measureOneImage(
  pool: RawPool,
  options: Pick<RawBenchOptions, 'shape' | 'pngLevel'>,
): Promise<number> {
  const { shape, pngLevel } = options;
  const [reply] = await pool.askAll({ type: 'latency', shape, count: 1, pngLevel }, 'latency-result', 1);
  return reply?.samplesMs[0] ?? Number.NaN;
}

/** Keeps the faster of the stored and the new run of one batch size; remembers every run's rate. */
function keepBest(kept: Map<number, RawThroughput>, result: RawThroughput): RawThroughput {
  const previous = kept.get(result.batch_size);
  const runs = [...(previous?.runs ?? []), ...result.runs];
  const faster = !previous || (result.images_per_s ?? 0) > (previous.images_per_s ?? 0) ? result : previous;
  const merged = { ...faster, runs };
  kept.set(result.batch_size, merged);
  return merged;
}

function throughput(
  batchSize: number,
  wallMs: number,
  replies: ReadonlyArray<{ images: number; phases: PhaseTotals }>,
  foreign: number | null,
): RawThroughput {
  const images = replies.reduce((sum, reply) => sum + reply.images, 0);
  const imagesPerSecond = round(wallMs > 0 ? (images * 1000) / wallMs : null, 3);
  const perImage = (pick: (phases: PhaseTotals) => number) =>
    round(images === 0 ? null : replies.reduce((sum, reply) => sum + pick(reply.phases), 0) / images, 3);
  return {
    batch_size: batchSize,
    images,
    wall_ms: round(wallMs, 1),
    images_per_s: imagesPerSecond,
    per_image_ms: {
      prepare: perImage((phases) => phases.prepareMs),
      denoise: perImage((phases) => phases.denoiseMs),
      decode: perImage((phases) => phases.decodeMs),
      png: perImage((phases) => phases.pngMs),
    },
    foreign_cpu_cores: foreign,
    runs: [{ images_per_s: imagesPerSecond, foreign_cpu_cores: foreign }],
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
