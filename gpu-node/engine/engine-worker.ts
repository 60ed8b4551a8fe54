import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { parseSize } from '../model/model-manifest.ts';
import { isPipelineModel } from '../pipeline/pipeline-model.ts';
import { pipelineStepEngine } from '../pipeline/pipeline-step-engine.ts';
import {
  type EngineWorkerData,
  type FromEngineMessage,
  type SampleSpec,
  type StepRecord,
  sampleMegapixels,
  type ToEngineMessage,
} from './engine-protocol.ts';
import { groupBy } from './group-by.ts';
import { encodeRgbPng } from './png-encoder.ts';
import { createWithFirstWorkingProvider } from './provider-chain.ts';
import { Sampler, sessionOptionsOf } from './sampler.ts';
import { contractEngine, type EngineSample, multiModelEngine, type StepEngine } from './step-engine.ts';
import { threadRunnableWaitMs } from './thread-wait.ts';

// Runs in a worker thread: session.run blocks the thread it runs on, so the HTTP thread never
// calls it. The batch loop lives here, so a step needs no round trip to the main thread; jobs
// join between steps because session.run yields to the event loop (setImmediate) each call.

const settings = workerData as EngineWorkerData;
const port = parentPort;
if (!port) throw new Error('engine-worker must run in a worker thread');
const post = (message: FromEngineMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

// Missing GPU provider libraries are expected on CPU hosts; the chain reports them once, itself.
ort.env.logLevel = 'fatal';
// Compute yields to the HTTP thread: on Linux, pid 0 is this thread alone, and ONNX Runtime's
// own threads (created later) inherit it. Health checks and admission then stay responsive
// however saturated the cores are. Not permitted everywhere, and not essential.
try {
  setPriority(0, settings.computeNice);
} catch {
  // Keep the default priority.
}

/**
 * Steps the built-in model's warm-up runs at its full batch. ONNX Runtime's CPU arena grows as a
 * batch first needs more memory, and every new page is a fault (10-15 µs each on this project's
 * VM: a first 16-image 256 px step faulted 17,600 pages and took 211 ms of CPU, 28 ms once
 * settled). After one full-batch step the arena still grew at later batch sizes; after two or
 * more, at none of that size.
 */
const ARENA_SETTLING_STEPS = 3;

/** Without a streaming watcher, progress and step stats go out at most this often. */
const REPORT_INTERVAL_MS = 100;

const inbox: ToEngineMessage[] = [];
const running = new Map<string, EngineSample>();
let looping = false;
let pendingSteps: StepRecord[] = [];
let lastReportAt = 0;

const chosen = await createWithFirstWorkingProvider(
  settings.providers,
  async (provider): Promise<StepEngine> => {
    const session = { provider, deviceId: settings.deviceId, intraOpThreads: settings.intraOpThreads };
    const engines = new Map<string, StepEngine>();
    for (const model of settings.models) {
      engines.set(
        model.name,
        isPipelineModel(model)
          ? await pipelineStepEngine(model, sessionOptionsOf(session))
          : contractEngine(await Sampler.create(model, session)),
      );
    }
    return multiModelEngine(engines);
  },
);
if (!('session' in chosen)) {
  post({ type: 'init-failed', attempts: chosen.attempts });
  process.exit(1);
}
const engine = chosen.session;
await warmUp(engine);
post({ type: 'ready', provider: chosen.provider, attempts: chosen.attempts });

port.on('message', (message: ToEngineMessage) => {
  // Messages are handled between steps, never during one: ONNX Runtime's run blocks this thread.
  // Ending the thread here leaves no native call to be torn down (terminating one mid-run aborts
  // the whole process, exit 134).
  if (message.type === 'close') process.exit(0);
  inbox.push(message);
  if (!looping) void runLoop();
});

async function runLoop(): Promise<void> {
  looping = true;
  try {
    for (;;) {
      await applyInbox();
      if (running.size === 0) return;
      await stepAll();
      await applyInbox();
      await finishCompleted();
    }
  } finally {
    looping = false;
  }
}

async function applyInbox(): Promise<void> {
  for (let message = inbox.shift(); message; message = inbox.shift()) {
    if (message.type === 'join') {
      try {
        for (const sample of await engine.start(message.samples, performance.now())) {
          running.set(sample.spec.sampleId, sample);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        for (const spec of message.samples)
          post({ type: 'failed', sampleId: spec.sampleId, message: reason });
      }
    } else if (message.type === 'cancel') {
      const canceled = message.sampleIds.filter((sampleId) => running.delete(sampleId));
      post({ type: 'canceled', sampleIds: canceled });
    }
  }
}

async function stepAll(): Promise<void> {
  const started = performance.now();
  const waitBefore = threadRunnableWaitMs();
  const pending: EngineSample[] = [];
  for (const sample of running.values()) if (sample.step < sample.spec.steps) pending.push(sample);
  const byModel = new Map<string, { batchMegapixels: number; durationMs: number }>();
  for (const group of groupBy(pending, (sample) => engine.stepKey(sample))) {
    const groupStarted = performance.now();
    try {
      await engine.step(group);
    } catch (error) {
      failAll(group, error);
    }
    const model = group[0]?.spec.model ?? '';
    const share = byModel.get(model) ?? { batchMegapixels: 0, durationMs: 0 };
    share.batchMegapixels += batchMegapixels(group);
    share.durationMs += performance.now() - groupStarted;
    byModel.set(model, share);
  }
  const waitAfter = threadRunnableWaitMs();
  const durationMs = performance.now() - started;
  const waitMs = waitBefore === null || waitAfter === null ? undefined : waitAfter - waitBefore;
  pendingSteps.push({
    batchSize: pending.length,
    batchMegapixels: batchMegapixels(pending),
    durationMs,
    ...(waitMs === undefined ? {} : { waitMs }),
    models: [...byModel].map(([model, share]) => ({ model, ...share })),
  });
  // Messages cost the HTTP thread CPU: one per step only while someone streams progress.
  const now = performance.now();
  const finishing = pending.some((sample) => sample.step >= sample.spec.steps);
  const streaming = pending.some((sample) => sample.spec.streamProgress);
  if (streaming || finishing || now - lastReportAt >= REPORT_INTERVAL_MS) {
    post({
      type: 'steps',
      steps: pendingSteps,
      progress: pending.filter((sample) => running.has(sample.spec.sampleId)).map(toProgress),
    });
    pendingSteps = [];
    lastReportAt = now;
  }
}

async function finishCompleted(): Promise<void> {
  const completed = [...running.values()].filter((sample) => sample.step >= sample.spec.steps);
  for (const group of groupBy(completed, ({ spec }) => `${spec.model}|${spec.width}x${spec.height}`)) {
    const finishStarted = performance.now();
    try {
      const images = await engine.decode(group);
      group.forEach((sample, index) => {
        const pixels = images[index];
        const { sampleId, width, height } = sample.spec;
        if (!pixels || !running.has(sampleId)) return;
        try {
          const png = encodeRgbPng(pixels, width, height, settings.pngCompressionLevel);
          const now = performance.now();
          const computeMs = now - sample.startedAt;
          const finishMs = now - finishStarted;
          post({ type: 'done', sampleId, png, computeMs, finishMs }, [png.buffer as ArrayBuffer]);
          running.delete(sampleId);
        } catch (error) {
          // This image alone fails, and says so: a sample that never reports holds its slot forever.
          failAll([sample], error);
        }
      });
    } catch (error) {
      failAll(group, error);
    }
  }
}

function failAll(samples: readonly EngineSample[], error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  for (const sample of samples) {
    if (running.delete(sample.spec.sampleId))
      post({ type: 'failed', sampleId: sample.spec.sampleId, message });
  }
}

function toProgress(sample: EngineSample) {
  return { sampleId: sample.spec.sampleId, step: sample.step };
}

// The same measure as the scheduler's work accounting (shared/work.ts), so curve and work agree.
function batchMegapixels(samples: readonly EngineSample[]): number {
  let megapixels = 0;
  for (const { spec } of samples) megapixels += sampleMegapixels(spec);
  return megapixels;
}

// GPU providers compile kernels (TensorRT: whole engines) on first use of a shape, and the CPU
// arena grows on first use of a batch's memory; pay both at boot, not in the first customers'
// steps, whose slowness would also be measured as the pool's speed.
async function warmUp(warmEngine: StepEngine): Promise<void> {
  const largest = Math.max(...settings.warmupBatchSizes);
  for (const model of settings.models) {
    // A pipeline is warmed at every size it advertises (each is its own engine shape on a GPU);
    // the built-in model, which lists sizes up to 1024 px for CPUs, at its default.
    const sizes = isPipelineModel(model) ? model.sizes : [model.default_size];
    for (const size of sizes) {
      const [width, height] = parseSize(size);
      for (const batchSize of settings.warmupBatchSizes) {
        // A pipeline's steps take far longer than its faults, and on a CPU each one costs seconds.
        const settling = !isPipelineModel(model) && batchSize === largest;
        await warmBatch(warmEngine, model.name, {
          width,
          height,
          batchSize,
          steps: settling ? ARENA_SETTLING_STEPS : 1,
        });
      }
    }
  }
}

async function warmBatch(
  warmEngine: StepEngine,
  model: string,
  shape: { width: number; height: number; batchSize: number; steps: number },
): Promise<void> {
  const specs = Array.from(
    { length: shape.batchSize },
    (_, index): SampleSpec => ({
      sampleId: `warmup-${index}`,
      model,
      prompt: 'warm up',
      seed: index,
      steps: shape.steps,
      width: shape.width,
      height: shape.height,
      streamProgress: false,
    }),
  );
  const samples = await warmEngine.start(specs, performance.now());
  for (let step = 0; step < shape.steps; step += 1) await warmEngine.step(samples);
  await warmEngine.decode(samples);
}
