import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSize } from '../../gpu-node/model/model-manifest.ts';
import { writeTinyModel } from '../../gpu-node/model/tiny-model.ts';
import { readBenchOptions } from './bench-options.ts';
import { type BenchReport, benchNotes } from './bench-report.ts';
import { killRunningGpuNode, runE2eBench } from './e2e-bench.ts';
import { describeEnvironment } from './environment.ts';
import { headline } from './headline.ts';
import { measureOneImage, measureThroughput, runRawBench } from './raw-bench.ts';
import { type RawPool, startRawPool } from './raw-pool.ts';
import { summaryText } from './summary-text.ts';

// Entry point: `npm run bench:gpu-node -- --json`. Progress goes to stderr, the report to stdout.

const options = readBenchOptions(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const startedAt = new Date();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping gpu-node`);
    void killRunningGpuNode().finally(() => process.exit(130));
  });
}

const modelFolder = await mkdtemp(join(tmpdir(), 'spillway-bench-'));
let rawPool: RawPool | null = null;
try {
  const manifest = await writeTinyModel(modelFolder);
  const [width, height] = parseSize(options.size);
  const shape = { width, height, steps: options.steps };
  rawPool = await startRawPool(manifest, options.providers, options.workers);
  const pool = rawPool;
  const raw = await runRawBench(
    pool,
    {
      shape,
      batchSizes: options.batchSizes,
      durationMs: options.rawDurationMs,
      pngLevel: options.pngLevel,
      latencyCount: options.rawLatencyJobs,
      repeats: options.rawRepeats,
    },
    log,
  );
  const bestBatch = raw.raw.best?.batch_size ?? 16;
  const e2e = await runE2eBench(
    {
      providers: options.providers,
      workers: options.workers,
      maxBatchSize: options.serverBatchSize === 'best' ? bestBatch : options.serverBatchSize,
      maxQueueSize: options.maxQueueSize,
      size: options.size,
      steps: options.steps,
      clients: options.clients,
      rampMs: options.rampMs,
      saturationMs: options.saturationMs,
      atClientsMs: options.atClientsMs,
      singleClientJobs: options.singleClientJobs,
      interleavedRounds: options.interleavedRounds,
      rawImage: () => measureOneImage(pool, { shape, pngLevel: options.pngLevel }),
      warmupJobs: options.warmupJobs,
      probeIntervalMs: options.probeIntervalMs,
      sliceMs: options.sliceMs,
      serverLogLevel: options.serverLogLevel,
      paired:
        options.pairedRounds === 0
          ? null
          : {
              rounds: options.pairedRounds,
              saturationMs: options.pairedMs,
              raw: {
                throughput: async () =>
                  (
                    await measureThroughput(
                      pool,
                      { shape, durationMs: options.rawDurationMs },
                      bestBatch,
                      null,
                    )
                  ).images_per_s,
              },
            },
    },
    log,
  );
  const report: BenchReport = {
    headline: headline(raw, e2e),
    raw: raw.raw,
    raw_with_png: raw.raw_with_png,
    raw_compute_ms_p50: raw.raw_compute_ms_p50,
    raw_latency: raw.raw_latency,
    raw_parallelism: { provider: raw.provider, workers: raw.workers, intra_op_threads: raw.intra_op_threads },
    e2e,
    environment: await describeEnvironment(startedAt, e2e.server.execution_provider),
    options,
    notes: benchNotes(raw, e2e),
  };
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : summaryText(report));
} finally {
  await killRunningGpuNode();
  await rawPool?.close();
  await rm(modelFolder, { recursive: true, force: true });
}
