import { type ErrorCode, imageMegapixels, type Priority, requestWork } from '../../shared/index.ts';
import type { SampleSpec } from '../engine/engine-protocol.ts';
import { imageSeed } from './image-seed.ts';
import { sampleIdOf } from './sample-id.ts';

/**
 * Who a job belongs to: the `sub` of the dispatch token that submitted it, or null on a pool
 * without auth (`--insecure-no-auth`), where every caller is the same caller.
 */
export type JobOwner = string | null;

/** Everything the scheduler needs to run one generation. */
export interface JobSpec {
  readonly jobId: string;
  /** Only this owner may join, read or cancel the job by its id (issue 12). */
  readonly owner: JobOwner;
  readonly model: string;
  readonly prompt: string;
  /** Guidance terms for pipelines that guide (absent: none, and the model's default scale). */
  readonly negativePrompt?: string;
  readonly guidanceScale?: number;
  readonly count: number;
  readonly firstSeed: number;
  readonly steps: number;
  readonly width: number;
  readonly height: number;
  readonly priority: Priority;
  /** Absolute time (ms, scheduler clock) after which the job is worthless; null for none. */
  readonly deadlineAt: number | null;
  /** Identifies the request body, so a reused job id with another body is caught. */
  readonly fingerprint: string;
  /** A client streams this job's progress, so every step is reported. */
  readonly streamProgress: boolean;
}

/** Why a job ended without images. */
export interface JobFailure {
  readonly code: Extract<ErrorCode, 'deadline_exceeded' | 'job_canceled' | 'inference_failed'>;
  readonly message: string;
}

/** One finished image. */
export interface JobImage {
  readonly png: Uint8Array;
  readonly seed: number;
}

/** How a job ended. */
export type JobOutcome =
  | {
      readonly ok: true;
      readonly images: readonly JobImage[];
      readonly queueMs: number;
      readonly computeMs: number;
    }
  | { readonly ok: false; readonly failure: JobFailure };

/** Events a job emits to whoever watches it (HTTP handlers, SSE streams). */
export type JobEvent =
  | {
      readonly type: 'queued';
      readonly position: number;
      /** Megapixels of the batch it went into (the stream's opening event, once it has a slot). */
      readonly batchMegapixels?: number;
    }
  | { readonly type: 'progress'; readonly step: number; readonly steps: number }
  | { readonly type: 'settled'; readonly outcome: JobOutcome };

/** Lifecycle states. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

type SampleState =
  | { status: 'queued' }
  | { status: 'running'; step: number }
  | { status: 'done'; png: Uint8Array };

/** A job's mutable record. Only the scheduler mutates it; others read and subscribe. */
export class Job {
  readonly spec: JobSpec;
  /** Unique per admitted attempt, so late engine events of a replaced attempt are ignored. */
  readonly serial: number;
  readonly createdAt: number;
  /** Megapixels of each of the job's images. */
  readonly imageMegapixels: number;
  /** Megapixel-steps of one of the job's images (`requestWork` with n = 1). */
  readonly imageWork: number;
  state: JobState = 'queued';
  startedAt: number | null = null;
  finishedAt: number | null = null;
  outcome: JobOutcome | null = null;
  /** Index of the next sample still waiting for a slot. */
  nextQueuedSample = 0;
  readonly samples: SampleState[];
  readonly settled: Promise<JobOutcome>;
  #resolve: (outcome: JobOutcome) => void = () => undefined;
  readonly #listeners = new Set<(event: JobEvent) => void>();
  #watchers = 0;
  #lastProgress = 0;
  #lastPosition = -1;
  /** When the latest `queued` event went out (scheduler clock), for {@link Job.notePoolStepped}. */
  #lastQueuedEventAt = Number.NEGATIVE_INFINITY;
  #computeMs = 0;

  constructor(spec: JobSpec, serial: number, now: number) {
    this.spec = spec;
    this.serial = serial;
    this.createdAt = now;
    const size = `${spec.width}x${spec.height}`;
    this.imageMegapixels = imageMegapixels(size);
    this.imageWork = requestWork({ n: 1, steps: spec.steps, size });
    this.samples = Array.from({ length: spec.count }, () => ({ status: 'queued' as const }));
    this.settled = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Sample id for image `index`. */
  sampleId(index: number): string {
    return sampleIdOf(this.serial, index);
  }

  /** What the engine needs to generate image `index`. */
  sampleSpec(index: number): SampleSpec {
    const { spec } = this;
    return {
      sampleId: this.sampleId(index),
      model: spec.model,
      prompt: spec.prompt,
      ...(spec.negativePrompt === undefined ? {} : { negativePrompt: spec.negativePrompt }),
      ...(spec.guidanceScale === undefined ? {} : { guidanceScale: spec.guidanceScale }),
      seed: imageSeed(spec.firstSeed, index),
      steps: spec.steps,
      width: spec.width,
      height: spec.height,
      streamProgress: spec.streamProgress,
    };
  }

  /** Samples waiting for a slot. */
  get queuedSamples(): number {
    return this.spec.count - this.nextQueuedSample;
  }

  /** True once the job has an outcome. */
  get finished(): boolean {
    return this.outcome !== null;
  }

  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Counts a client waiting for this job; the returned function releases it and tells whether others still wait. */
  watch(): () => number {
    this.#watchers += 1;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.#watchers -= 1;
      }
      return this.#watchers;
    };
  }

  /** Emits an event to every subscriber. */
  emit(event: JobEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** Emits `queued` with the job's queue position when it changed since the last one. */
  notePosition(position: number, now = this.#lastQueuedEventAt): void {
    if (position === this.#lastPosition) return;
    this.#lastPosition = position;
    this.#lastQueuedEventAt = now;
    this.emit({ type: 'queued', position });
  }

  /**
   * The pool stepped another batch while this job waits: repeats its queue position, at most
   * every `intervalMs`, so a caller can tell a pool busy with others from one that stopped (the
   * edge's stall detection: silence means the pool itself is stuck).
   */
  notePoolStepped(now: number, intervalMs: number): void {
    if (this.state !== 'queued' || this.#lastPosition < 0 || now - this.#lastQueuedEventAt < intervalMs)
      return;
    this.#lastQueuedEventAt = now;
    this.emit({ type: 'queued', position: this.#lastPosition });
  }

  /** Records a step of one sample and emits progress when the slowest image advanced. */
  recordStep(index: number, step: number): void {
    if (this.samples[index]?.status === 'done') return;
    this.samples[index] = { status: 'running', step };
    this.#emitProgress();
  }

  #emitProgress(): void {
    const slowest = Math.min(
      ...this.samples.map((sample) =>
        sample.status === 'done' ? this.spec.steps : sample.status === 'running' ? sample.step : 0,
      ),
    );
    if (slowest > this.#lastProgress) {
      this.#lastProgress = slowest;
      this.emit({ type: 'progress', step: slowest, steps: this.spec.steps });
    }
  }

  /** Stores one image; returns true when every image is done. */
  recordImage(index: number, png: Uint8Array, computeMs: number): boolean {
    this.samples[index] = { status: 'done', png };
    this.#computeMs = Math.max(this.#computeMs, computeMs);
    this.#emitProgress();
    return this.samples.every((sample) => sample.status === 'done');
  }

  /** Settles the job once; later calls are ignored. */
  settle(outcome: JobOutcome, now: number): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.finishedAt = now;
    this.state = outcome.ok ? 'succeeded' : outcome.failure.code === 'job_canceled' ? 'canceled' : 'failed';
    this.emit({ type: 'settled', outcome });
    this.#listeners.clear();
    this.#resolve(outcome);
  }

  /** The success outcome built from the stored images. */
  successOutcome(now: number): JobOutcome {
    const images = this.samples.map((sample, index) => ({
      png: sample.status === 'done' ? sample.png : new Uint8Array(),
      seed: imageSeed(this.spec.firstSeed, index),
    }));
    const queueMs = (this.startedAt ?? now) - this.createdAt;
    return { ok: true, images, queueMs, computeMs: this.#computeMs };
  }

  /** Indices of samples currently in a worker's batch. */
  runningSampleIndices(): number[] {
    return this.samples.flatMap((sample, index) => (sample.status === 'running' ? [index] : []));
  }
}
