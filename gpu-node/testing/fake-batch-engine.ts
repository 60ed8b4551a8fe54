import type { ExecutionProvider } from '../../shared/index.ts';
import type { EngineListener } from '../engine/engine-pool.ts';
import { type SampleSpec, sampleMegapixels } from '../engine/engine-protocol.ts';
import { encodeRgbPng } from '../engine/png-encoder.ts';
import type { PoolEngine } from '../pool-engine.ts';
import { CountWatch } from './count-watch.ts';

/** The batch a fake step runs, as a {@link FakeStepTime} sees it. */
export interface FakeBatch {
  readonly batchSize: number;
  /** Sum over the batch's images of width × height / 10⁶. */
  readonly batchMegapixels: number;
}

/** How long a fake step of `batch` reports it took: the host speed a test plays. */
export type FakeStepTime = (batch: FakeBatch) => number;

/** How a {@link FakeBatchEngine} is built. */
export interface FakeBatchEngineOptions {
  readonly slots: number;
  /** Wall time every step reports: a constant, or a function of the batch. */
  readonly stepMs?: number | FakeStepTime;
}

interface RunningSample {
  readonly spec: SampleSpec;
  step: number;
  computeMs: number;
}

/** Wall time a fake step reports unless the engine is told otherwise. */
export const FAKE_STEP_MS = 10;

/**
 * An engine whose batch moves only when the test calls {@link FakeBatchEngine.step}, so no test
 * depends on how fast the host computes. Submitted samples join the batch at once, as they do
 * between a worker's steps; cancelled ones leave at the next step boundary, as in a worker.
 * Finished samples come back as small solid PNGs of their size, shaded by their seed. While
 * {@link FakeBatchEngine.runFreely} is on it steps by itself, so work a test does not watch
 * simply completes.
 */
export class FakeBatchEngine implements PoolEngine {
  readonly provider: ExecutionProvider = 'cpu';
  readonly slots: number;
  /** Every sample handed in, in order. */
  readonly submitted: SampleSpec[] = [];
  /** Every sample id the scheduler asked to cancel, in order. */
  readonly cancelRequests: string[] = [];
  /** Batch size of every step run, in order. */
  readonly batchSizes: number[] = [];
  /** Wall time each step reports unless {@link FakeBatchEngine.step} is told; a test may swap it. */
  stepTime: FakeStepTime;
  readonly #running = new Map<string, RunningSample>();
  /** Samples submitted during a paced step: they join the batch at its end. */
  readonly #joining = new Map<string, RunningSample>();
  readonly #leaving = new Set<string>();
  readonly #submissions = new CountWatch(() => this.submitted.length);
  #listener: EngineListener | null = null;
  #freeRunning = false;
  #paced = false;
  #nextStep: NodeJS.Immediate | null = null;
  #nextPacedStep: NodeJS.Timeout | null = null;

  constructor(options: FakeBatchEngineOptions) {
    this.slots = options.slots;
    const stepMs = options.stepMs ?? FAKE_STEP_MS;
    this.stepTime = typeof stepMs === 'number' ? () => stepMs : stepMs;
  }

  /** @inheritdoc */
  get activeCount(): number {
    return this.#running.size + this.#joining.size;
  }

  /** @inheritdoc */
  get freeSlots(): number {
    return this.slots - this.#running.size - this.#joining.size;
  }

  /** Ids of the samples in the batch, in the order they joined. */
  get runningIds(): string[] {
    return [...this.#running.keys()];
  }

  /** Resolves once `count` samples have been submitted in all. */
  whenSubmitted(count: number): Promise<void> {
    return this.#submissions.whenAtLeast(count);
  }

  /** @inheritdoc */
  submit(sample: SampleSpec): boolean {
    if (this.freeSlots <= 0) return false;
    const joining = this.#nextPacedStep ? this.#joining : this.#running;
    joining.set(sample.sampleId, { spec: sample, step: 0, computeMs: 0 });
    this.submitted.push(sample);
    this.#submissions.notify();
    this.#stepSoon();
    return true;
  }

  /** @inheritdoc */
  batchMegapixelsOf(sampleIds: readonly string[]): number {
    const batch = [...this.#running.values(), ...this.#joining.values()];
    return sampleIds.some((sampleId) => this.#running.has(sampleId) || this.#joining.has(sampleId))
      ? megapixelsOf(batch)
      : 0;
  }

  /** @inheritdoc */
  cancel(sampleIds: readonly string[]): void {
    for (const sampleId of sampleIds) {
      this.cancelRequests.push(sampleId);
      this.#leaving.add(sampleId);
    }
    this.#stepSoon();
  }

  /** @inheritdoc */
  listen(listener: EngineListener): void {
    this.#listener = listener;
  }

  /**
   * One step boundary and one step: cancelled samples leave (each reported released), every
   * other sample advances a step, the step (taking `durationMs`, by default what
   * {@link FakeBatchEngine.stepTime} says for this batch) and progress are reported, and samples
   * at their last step are done.
   */
  step(durationMs?: number): void {
    for (const sampleId of this.#leaving) {
      if (this.#running.delete(sampleId) || this.#joining.delete(sampleId))
        this.#listener?.onReleased(sampleId);
    }
    this.#leaving.clear();
    const batch = [...this.#running.values()];
    const batchMegapixels = megapixelsOf(batch);
    const stepMs = durationMs ?? this.stepTime({ batchSize: batch.length, batchMegapixels });
    for (const sample of batch) {
      sample.step += 1;
      sample.computeMs += stepMs;
    }
    this.batchSizes.push(batch.length);
    this.#listener?.onSteps(
      [{ batchSize: batch.length, batchMegapixels, durationMs: stepMs }],
      batch.map((sample) => ({ sampleId: sample.spec.sampleId, step: sample.step })),
    );
    for (const sample of batch) {
      const { spec } = sample;
      if (sample.step < spec.steps || !this.#running.delete(spec.sampleId)) continue;
      this.#listener?.onDone(spec.sampleId, solidPng(spec), sample.computeMs);
    }
  }

  /** Steps until the batch is empty; returns how many steps ran. */
  runUntilIdle(): number {
    let steps = 0;
    while (this.#running.size > 0 || this.#leaving.size > 0) {
      this.step();
      steps += 1;
    }
    return steps;
  }

  /**
   * From now on steps by itself, one step per turn of the event loop while it holds samples, so
   * work completes without the test; {@link FakeBatchEngine.pause} hands stepping back to the test.
   */
  runFreely(): void {
    this.#freeRunning = true;
    this.#paced = false;
    this.#stepSoon();
  }

  /**
   * Like {@link FakeBatchEngine.runFreely}, but each step takes the wall time it reports
   * ({@link FakeBatchEngine.stepTime} of the batch, on a timer): a device of a fixed, known speed,
   * whatever the host's CPUs are doing, so two such pools in one process are equal for real.
   */
  runPaced(): void {
    this.#freeRunning = true;
    this.#paced = true;
    this.#stepSoon();
  }

  /** Stops {@link FakeBatchEngine.runFreely}: the batch moves only on {@link FakeBatchEngine.step} again. */
  pause(): void {
    this.#freeRunning = false;
    for (const [sampleId, sample] of this.#joining) this.#running.set(sampleId, sample);
    this.#joining.clear();
    if (this.#nextStep) clearImmediate(this.#nextStep);
    if (this.#nextPacedStep) clearTimeout(this.#nextPacedStep);
    this.#nextStep = null;
    this.#nextPacedStep = null;
  }

  #stepSoon(): void {
    if (!this.#freeRunning || this.#nextStep || this.#nextPacedStep) return;
    if (this.#running.size === 0 && this.#leaving.size === 0) return;
    const run = () => {
      this.#nextStep = null;
      this.#nextPacedStep = null;
      if (!this.#freeRunning) return;
      this.step();
      for (const [sampleId, sample] of this.#joining) this.#running.set(sampleId, sample);
      this.#joining.clear();
      this.#stepSoon();
    };
    if (!this.#paced) {
      this.#nextStep = setImmediate(run);
      return;
    }
    // A paced step runs the batch it started with for that batch's time; samples that arrive
    // meanwhile join at the next step boundary, as they do in a worker.
    this.#nextPacedStep = setTimeout(run, this.#currentStepMs());
  }

  #currentStepMs(): number {
    const batch = [...this.#running.values()];
    return this.stepTime({ batchSize: batch.length, batchMegapixels: megapixelsOf(batch) });
  }

  /** Fails one running sample, as a worker does when inference throws. */
  fail(sampleId: string, message: string): void {
    if (this.#running.delete(sampleId)) this.#listener?.onFailed(sampleId, message);
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.pause();
    this.#running.clear();
    this.#joining.clear();
  }
}

function megapixelsOf(batch: readonly RunningSample[]): number {
  return batch.reduce((sum, { spec }) => sum + sampleMegapixels(spec), 0);
}

function solidPng(spec: SampleSpec): Uint8Array {
  const pixels = new Uint8Array(spec.width * spec.height * 3).fill(spec.seed % 256);
  return encodeRgbPng(pixels, spec.width, spec.height, 1);
}
