import { type SlotWait, type StepCurvePoint, stepMsAt, stepsUntilSlot } from '../../shared/index.ts';
import { type SampleProgress, type StepRecord, sampleMegapixels } from '../engine/engine-protocol.ts';
import { planAdmission } from './admission-plan.ts';
import { Job, type JobFailure, type JobOutcome, type JobOwner, type JobSpec } from './job.ts';
import { JobQueue } from './job-queue.ts';
import { KeptJobs } from './kept-jobs.ts';
import { LoadTracker } from './load-tracker.ts';
import { RunningWork } from './running-work.ts';
import { parseSampleId } from './sample-id.ts';
import type { SchedulerLoad, SchedulerOptions, SubmitAllResult, SubmitResult } from './scheduler-types.ts';

export type {
  SchedulerLoad,
  SchedulerObserver,
  SchedulerOptions,
  SubmitRejection,
  SubmitResult,
} from './scheduler-types.ts';

/** A job waiting in the queue hears its position again at least this often while the pool steps. */
export const QUEUED_ALIVE_INTERVAL_MS = 100;

/**
 * Step-level continuous batching: images join a worker's running batch between steps whenever
 * a slot frees, highest priority first, and leave when done. Owns admission (bounded queue),
 * deadlines, cancellation, idempotency by job id, and draining.
 *
 * A job id names a job only for its owner (`JobSpec.owner`): another owner cannot join it,
 * read it or cancel it, and to them a kept job is as absent as one never seen (issue 12).
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #queue = new JobQueue();
  readonly #jobs: KeptJobs;
  readonly #unfinished = new Map<number, Job>();
  readonly #deadlineTimers = new Map<Job, NodeJS.Timeout>();
  readonly #pace: LoadTracker;
  readonly #runningWork = new RunningWork();
  #nextSerial = 1;
  #draining = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#jobs = new KeptJobs(options);
    this.#pace = new LoadTracker(options.now);
    options.engine.listen({
      onSteps: (steps, progress) => this.#onSteps(steps, progress),
      onDone: (sampleId, png, computeMs, finishMs) => this.#onDone(sampleId, png, computeMs, finishMs),
      onFailed: (sampleId, message) => this.#onFailed(sampleId, message),
      onReleased: (sampleId) => {
        this.#runningWork.end(sampleId);
        this.#pump();
      },
    });
  }

  /** Admits a job, or joins the existing one with the same id, owner and body. */
  submit(spec: JobSpec): SubmitResult {
    const submitted = this.submitAll([spec]);
    if (!submitted.ok) return submitted;
    const [first] = submitted.jobs;
    if (!first) throw new Error('a submission of one job got no job');
    return { ok: true, ...first };
  }

  /**
   * Admits or joins a group of jobs as one (a KServe request's prompts): all of them, or none when
   * any is refused ({@link planAdmission}), so a refused group joins, admits or cancels nothing.
   */
  submitAll(specs: readonly JobSpec[]): SubmitAllResult {
    const { engine, maxQueuedImages } = this.#options;
    const plan = planAdmission(specs, {
      find: (jobId) => this.#jobs.get(jobId),
      draining: this.#draining,
      room: maxQueuedImages + engine.freeSlots - this.#queue.queuedSamples,
      retryAfterSeconds: () => this.retryAfterSeconds(),
    });
    if (!plan.ok) return plan;
    return {
      ok: true,
      jobs: plan.jobs.map(({ spec, joins }) =>
        joins ? { job: joins, joined: true } : { job: this.#admit(spec), joined: false },
      ),
    };
  }

  /** `owner`'s job with this id, while it is kept; another owner's job is undefined. */
  get(jobId: string, owner: JobOwner): Job | undefined {
    const job = this.#jobs.get(jobId);
    return job?.spec.owner === owner ? job : undefined;
  }

  /**
   * Cancels `owner`'s job wherever it is; returns false if `owner` has no job with this id.
   * Finished jobs are left as they are.
   */
  cancel(jobId: string, owner: JobOwner): boolean {
    const job = this.get(jobId, owner);
    if (!job) return false;
    this.#fail(job, { code: 'job_canceled', message: 'the job was canceled' });
    return true;
  }

  /** Images waiting before a job's first image gets a slot. */
  positionOf(job: Job): number {
    return this.#queue.positionOf(job);
  }

  /**
   * Megapixels of the batch the job's images run in (the largest, if they are spread over several
   * workers' batches), its own included; 0 while none of them has a slot.
   */
  batchMegapixelsOf(job: Job): number {
    const running = job.runningSampleIndices().map((index) => job.sampleId(index));
    return running.length === 0 ? 0 : this.#options.engine.batchMegapixelsOf(running);
  }

  /**
   * What the job's `queued` event says while it waits: ms until its first waiting image gets a
   * slot (`stepsUntilSlot` over the running images' steps left and the images ahead), at the
   * running batch's step time on the measured curve (the recent average step before the curve has
   * a point), and that batch's megapixels (the largest, over several workers' batches). Null for a
   * job with nothing waiting, or before the pool has timed a step.
   */
  waitOf(job: Job): SlotWait | null {
    if (job.queuedSamples === 0) return null;
    const { engine } = this.#options;
    const batchMegapixels = engine.batchMegapixelsOf(this.#runningWork.sampleIds());
    const stepMs = stepMsAt(this.#pace.stepCurve(), batchMegapixels) ?? this.#pace.stepMs;
    if (stepMs === null) return null;
    const steps = stepsUntilSlot(this.#runningWork.stepsLeft(), this.#queue.imagesAhead(job), engine.slots);
    return { startInMs: steps * stepMs, batchMegapixels };
  }

  /** Seconds a client should wait before retrying, from the measured drain rate. */
  retryAfterSeconds(): number {
    return this.#pace.retryAfterSeconds(this.#queue.queuedSamples, this.#options.engine.slots);
  }

  /** Current load. */
  load(): SchedulerLoad {
    return {
      slots: this.#options.engine.slots,
      running: this.#options.engine.activeCount,
      queued: this.#queue.queuedSamples,
      maxQueue: this.#options.maxQueuedImages,
      ewmaStepMs: this.#pace.stepMs,
      ewmaJobMs: this.#pace.jobMs,
      medianJobMs: this.#pace.medianJobMs,
      imagesPerSecond: this.#pace.imagesPerSecond(),
      draining: this.#draining,
      queuedWork: this.#queue.queuedWork,
      runningWork: this.#runningWork.total,
      workPerSecond: this.#pace.workPerSecond(),
      finishMs: this.#pace.finishMs,
      finishMsPerMegapixel: this.#pace.finishMsPerMegapixel,
    };
  }

  /** Measured step time by batch megapixels (issue 13); empty before the first step. */
  stepCurve(): StepCurvePoint[] {
    return this.#pace.stepCurve();
  }

  /** Each model's measured step curve ({@link LoadTracker.modelStepCurves}). */
  modelStepCurves(): Map<string, StepCurvePoint[]> {
    return this.#pace.modelStepCurves();
  }

  /** True while draining. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Stops admitting work; resolves when running and queued work has finished. */
  drain(): Promise<void> {
    this.#draining = true;
    this.#options.observer.onChange();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#resolveIfIdle();
    });
  }

  #admit(spec: JobSpec): Job {
    const job = new Job(spec, this.#nextSerial++, this.#options.now());
    this.#jobs.add(job);
    this.#unfinished.set(job.serial, job);
    this.#queue.push(job);
    this.#armDeadline(job);
    this.#pump();
    this.#options.observer.onChange();
    return job;
  }

  #pump(): void {
    const { engine } = this.#options;
    for (let job = this.#queue.peek(); job && engine.freeSlots > 0; job = this.#queue.peek()) {
      // The deadline timer may not have fired yet when a slot frees just after the deadline.
      if (job.spec.deadlineAt !== null && this.#options.now() >= job.spec.deadlineAt) {
        this.#fail(job, deadlineFailure());
        continue;
      }
      const index = job.nextQueuedSample;
      if (!engine.submit(job.sampleSpec(index))) break;
      this.#runningWork.start(job.sampleId(index), job.spec.steps, job.imageMegapixels);
      job.nextQueuedSample += 1;
      job.samples[index] = { status: 'running', step: 0 };
      if (job.state === 'queued') {
        job.state = 'running';
        job.startedAt = this.#options.now();
      }
      this.#queue.tookSample(job);
    }
    let ahead = 0;
    const now = this.#options.now();
    for (const waiting of this.#queue.jobs()) {
      waiting.notePosition(ahead, now);
      ahead += waiting.queuedSamples;
    }
    this.#resolveIfIdle();
  }

  #onSteps(steps: readonly StepRecord[], progress: readonly SampleProgress[]): void {
    this.#pace.recordSteps(steps);
    for (const { batchSize, durationMs } of steps) this.#options.observer.onStep(batchSize, durationMs);
    for (const { sampleId, step } of progress) {
      this.#runningWork.progress(sampleId, step);
      const found = this.#findSample(sampleId);
      if (found) found.job.recordStep(found.index, step);
    }
    const now = this.#options.now();
    for (const waiting of this.#queue.jobs()) waiting.notePoolStepped(now, QUEUED_ALIVE_INTERVAL_MS);
  }

  #onDone(sampleId: string, png: Uint8Array, computeMs: number, finishMs?: number): void {
    this.#runningWork.end(sampleId);
    const found = this.#findSample(sampleId);
    this.#pace.recordImage(finishMs, found ? sampleMegapixels(found.job.spec) : undefined);
    if (found?.job.recordImage(found.index, png, computeMs)) {
      const now = this.#options.now();
      this.#pace.recordJob(now - (found.job.startedAt ?? now));
      this.#settle(found.job, found.job.successOutcome(now));
    }
    this.#pump();
  }

  #onFailed(sampleId: string, message: string): void {
    this.#runningWork.end(sampleId);
    const found = this.#findSample(sampleId);
    if (found) this.#fail(found.job, { code: 'inference_failed', message: `inference failed: ${message}` });
    this.#pump();
  }

  #fail(job: Job, failure: JobFailure): void {
    if (job.finished) return;
    this.#queue.remove(job);
    const running = job.runningSampleIndices().map((index) => job.sampleId(index));
    // A cancelled image runs no further step, though it holds its slot until the engine lets go.
    for (const sampleId of running) this.#runningWork.end(sampleId);
    if (running.length > 0) this.#options.engine.cancel(running);
    this.#settle(job, { ok: false, failure });
    this.#pump();
  }

  #settle(job: Job, outcome: JobOutcome): void {
    job.settle(outcome, this.#options.now());
    this.#unfinished.delete(job.serial);
    clearTimeout(this.#deadlineTimers.get(job));
    this.#deadlineTimers.delete(job);
    this.#options.observer.onJobSettled(job);
    this.#options.observer.onChange();
    this.#jobs.evictOverflow();
    this.#resolveIfIdle();
  }

  #armDeadline(job: Job): void {
    if (job.spec.deadlineAt === null) return;
    const delay = Math.max(0, job.spec.deadlineAt - this.#options.now());
    const timer = setTimeout(() => this.#fail(job, deadlineFailure()), delay);
    timer.unref();
    this.#deadlineTimers.set(job, timer);
  }

  // Unfinished jobs only: events for a finished or replaced attempt are late and ignored.
  #findSample(sampleId: string): { job: Job; index: number } | undefined {
    const address = parseSampleId(sampleId);
    const job = address && this.#unfinished.get(address.serial);
    if (!address || !job || address.index >= job.spec.count) return undefined;
    return { job, index: address.index };
  }

  #resolveIfIdle(): void {
    if (!this.#draining || this.#queue.length > 0 || this.#options.engine.activeCount > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function deadlineFailure(): JobFailure {
  return { code: 'deadline_exceeded', message: 'the job passed its deadline before it finished' };
}
