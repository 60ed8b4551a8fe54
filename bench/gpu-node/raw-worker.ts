import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { encodeRgbPng } from '../../gpu-node/engine/png-encoder.ts';
import { createWithFirstWorkingProvider } from '../../gpu-node/engine/provider-chain.ts';
import { type RunningSample, Sampler } from '../../gpu-node/engine/sampler.ts';
import type { FromRawWorker, PhaseTotals, RawShape, RawWorkerData, ToRawWorker } from './raw-protocol.ts';

// One worker thread of the raw benchmark: its own Sampler, driven in a tight loop with no
// scheduler, HTTP or messaging per step — the ceiling the server is compared against.

const settings = workerData as RawWorkerData;
const port = parentPort;
if (!port) throw new Error('raw-worker must run in a worker thread');
const post = (message: FromRawWorker) => port.postMessage(message);

ort.env.logLevel = 'fatal';

const chosen = await createWithFirstWorkingProvider(settings.providers, (provider) =>
  Sampler.create(settings.manifest, {
    provider,
    deviceId: settings.deviceId,
    intraOpThreads: settings.intraOpThreads,
  }),
);
if (!('session' in chosen)) {
  post({ type: 'init-failed', attempts: chosen.attempts });
  process.exit(1);
}
const sampler = chosen.session;
let nextSeed = 1;
post({ type: 'ready', provider: chosen.provider, attempts: chosen.attempts });

port.on('message', (message: ToRawWorker) => {
  handle(message).then(post, (error: unknown) =>
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});

async function handle(message: ToRawWorker): Promise<FromRawWorker> {
  switch (message.type) {
    case 'prepare': {
      await generate({ ...message.shape, steps: 1 }, message.batchSize, message.pngLevel, emptyTotals());
      return { type: 'prepared' };
    }
    case 'throughput': {
      const totals = emptyTotals();
      const started = performance.now();
      let images = 0;
      for (
        let batches = 0;
        batches < message.minBatches || performance.now() - started < message.durationMs;
        batches++
      ) {
        images += await generate(message.shape, message.batchSize, message.pngLevel, totals);
      }
      return { type: 'throughput-result', images, elapsedMs: performance.now() - started, phases: totals };
    }
    case 'latency': {
      const samplesMs: number[] = [];
      for (let index = 0; index < message.count; index++) {
        const started = performance.now();
        await generate(message.shape, 1, message.pngLevel, emptyTotals());
        samplesMs.push(performance.now() - started);
      }
      return { type: 'latency-result', samplesMs };
    }
  }
}

/** One full generation of a batch, as the server's worker does it; returns the image count. */
async function generate(
  shape: RawShape,
  batchSize: number,
  pngLevel: number | null,
  totals: Totals,
): Promise<number> {
  let mark = performance.now();
  const lap = (phase: keyof Totals) => {
    const now = performance.now();
    totals[phase] += now - mark;
    mark = now;
  };
  const samples = Array.from({ length: batchSize }, (_, index): RunningSample => {
    const seed = nextSeed++;
    const spec = {
      sampleId: `raw-${seed}`,
      model: 'spillway-tiny',
      prompt: `a lighthouse at dusk ${index}`,
      seed,
      streamProgress: false,
      ...shape,
    };
    return sampler.start(spec, performance.now());
  });
  lap('prepareMs');
  for (let step = 0; step < shape.steps; step++) await sampler.step(samples);
  lap('denoiseMs');
  const images = await sampler.decode(samples);
  lap('decodeMs');
  if (pngLevel !== null) {
    for (const pixels of images) encodeRgbPng(pixels, shape.width, shape.height, pngLevel);
    lap('pngMs');
  }
  return images.length;
}

type Totals = { -readonly [Key in keyof PhaseTotals]: number };

function emptyTotals(): Totals {
  return { prepareMs: 0, denoiseMs: 0, decodeMs: 0, pngMs: 0 };
}
