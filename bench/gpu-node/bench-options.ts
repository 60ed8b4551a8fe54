import { Command } from 'commander';
import { z } from 'zod';
import { executionProviders } from '../../shared/index.ts';
import { parseBenchFlags } from '../bench-flags.ts';

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value),
    z.array(item).min(1),
  );
const count = z.coerce.number().int().min(1);
const milliseconds = z.coerce.number().int().min(0);

/** Benchmark settings, validated once. */
export const benchOptionsSchema = z.object({
  json: z.boolean().default(false),
  batchSizes: list(count.max(256)),
  steps: count.max(200),
  size: z.string().regex(/^\d+x\d+$/),
  providers: list(z.enum(executionProviders)),
  workers: count.max(64).optional(),
  pngLevel: z.coerce.number().int().min(0).max(9),
  rawDurationMs: milliseconds,
  rawLatencyJobs: count,
  serverBatchSize: z.union([z.literal('best'), count.max(256)]),
  maxQueueSize: count,
  clients: count,
  rampMs: milliseconds,
  saturationMs: count,
  atClientsMs: count,
  singleClientJobs: count,
  interleavedRounds: count,
  warmupJobs: z.coerce.number().int().min(0),
  probeIntervalMs: count,
  sliceMs: count,
  rawRepeats: count,
  pairedRounds: z.coerce.number().int().min(0),
  pairedMs: count,
  serverLogLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

/** Validated benchmark settings. */
export type BenchOptions = z.infer<typeof benchOptionsSchema>;

/**
 * Reads the benchmark's flags; defaults keep a full run within about four minutes on two cores.
 *
 * @example
 * // npm run bench:gpu-node -- --json --batch-sizes 1,8 --saturation-ms 10000
 * const options = readBenchOptions(['--json', '--batch-sizes', '1,8', '--saturation-ms', '10000']);
 */
export function readBenchOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench-gpu-node')
    .description('Raw ONNX Runtime throughput vs. a real gpu-node over HTTP.')
    .option('--json', 'print one JSON document instead of a summary')
    .option('--batch-sizes <list>', 'raw batch sizes', '1,2,4,8,16,32')
    .option('--steps <n>', 'denoiser steps per image', '30')
    .option('--size <WxH>', 'image size', '256x256')
    .option('--providers <list>', 'execution providers to try in order', 'tensorrt,cuda,cpu')
    .option('--workers <n>', "worker threads for raw and gpu-node (default: gpu-node's, one per core on CPU)")
    .option('--png-level <0-9>', 'zlib level for PNG encoding (gpu-node default is 1)', '1')
    .option('--raw-duration-ms <ms>', 'time per raw batch size and mode (at least one batch runs)', '3000')
    .option('--raw-latency-jobs <n>', 'single images timed for raw latency', '20')
    .option(
      '--server-batch-size <n|best>',
      "gpu-node --max-batch-size ('best': the best raw batch size)",
      'best',
    )
    .option('--max-queue-size <n>', 'gpu-node --max-queue-size', '4096')
    .option(
      '--clients <n>',
      'concurrent clients for latency under load (saturation: at least 2x slots)',
      '32',
    )
    .option('--ramp-ms <ms>', 'saturation time not measured, to fill the batches', '3000')
    .option('--saturation-ms <ms>', 'measured saturation window', '30000')
    .option('--at-clients-ms <ms>', 'window at --clients when saturation needs more clients', '10000')
    .option('--single-client-jobs <n>', 'sequential jobs for single-client latency', '30')
    .option(
      '--interleaved-rounds <n>',
      'rounds of one raw image, one gpu-node call and one HTTP-floor call, in turn',
      '40',
    )
    .option('--warmup-jobs <n>', 'sequential warm-up jobs before one concurrent round', '3')
    .option('--probe-interval-ms <ms>', 'liveness probe period during saturation', '20')
    .option('--slice-ms <ms>', 'saturation is also reported in slices this long (shows a noisy host)', '5000')
    .option('--raw-repeats <n>', 'interleaved passes over the raw batch sizes; the best of each is kept', '2')
    .option('--paired-rounds <n>', 'rounds alternating raw and server throughput (0: none)', '6')
    .option('--paired-ms <ms>', 'measured saturation window of each paired round', '5000')
    .option('--server-log-level <level>', 'gpu-node --log-level (info logs every request)', 'info')
    .allowExcessArguments(false);
  return parseBenchFlags(program, benchOptionsSchema, argv);
}
