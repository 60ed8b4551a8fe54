import { errorEnvelope } from '../../shared/index.ts';
import type { BackendCall, BackendProgress, BackendResult } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { classifyHttpFailure, noAnswerError } from '../failure-policy.ts';
import { type CallerLimits, callerLimits } from './caller-limits.ts';

/** What a provider job's driver sees of the calls that share it. */
export interface DrivenJob {
  /** Aborted once the job was canceled or every caller has left: stop, then cancel at the provider. */
  readonly stop: AbortSignal;
  /** True once `cancel` was called for the job (its callers have already failed). */
  readonly canceled: boolean;
  /** Passes progress to every caller still listening. */
  progress(progress: BackendProgress): void;
  /** Records how to cancel the job at the provider, once the provider has named it. */
  named(cancelAtProvider: () => Promise<void>): void;
  /** Cancels at the provider, once however many times it is asked (the job must have been named). */
  cancelAtProvider(): Promise<void>;
}

/**
 * The provider jobs an adapter instance has in flight, keyed by pool and job id. Providers take
 * no idempotency key, so concurrent calls with one job id join one provider job here (one
 * prediction, one queue request, one OpenAI or KServe request) instead of each starting their own. Each caller keeps its own
 * deadline and signal; the job stops, and is cancelled at the provider, when it is cancelled or
 * when its last caller leaves. Finished jobs are forgotten: images are not kept in memory.
 */
export class JoinedJobs {
  readonly #jobs = new Map<string, JobEntry>();

  /**
   * Runs `drive` for the call's job, or joins the one already running; `drive` gets the call's
   * budget in ms. The caller listens until its deadline, capped by `requestTimeoutMs`, and fails
   * `deadline_exceeded` at once, sending nothing, when no time is left. A call with the same job
   * id but another `fingerprint` (the request as the provider sees it) is refused as a
   * `job_id_conflict` (retryable elsewhere, nothing ran).
   */
  async run(
    call: BackendCall,
    fingerprint: string,
    requestTimeoutMs: number | undefined,
    drive: (job: DrivenJob, budgetMs: number) => Promise<BackendResult>,
  ): Promise<BackendResult> {
    const limits = callerLimits(call, requestTimeoutMs);
    const key = keyOf(call.poolUrl, call.jobId);
    let entry = this.#jobs.get(key);
    if (entry && entry.fingerprint !== fingerprint) throw conflict(call.jobId);
    // A job every caller has left is winding down; a new call starts afresh (a canceled one is joined,
    // so its late callers fail like the others).
    if (!entry || (entry.stop.aborted && !entry.canceled)) {
      const created = new JobEntry(fingerprint);
      this.#jobs.set(key, created);
      created.start((job) => drive(job, limits.budgetMs));
      void created.settled.then(() => {
        if (this.#jobs.get(key) === created) this.#jobs.delete(key);
      });
      entry = created;
    }
    return await listen(entry, call, limits);
  }

  /**
   * Cancels the call's job if this instance runs it: its callers fail at once (`job_canceled`),
   * then the provider is asked to cancel once it has named the job, waiting at most `waitMs` for
   * the name. Returns false when no such job runs here.
   */
  async cancel(poolUrl: string, jobId: string, waitMs: number): Promise<boolean> {
    const entry = this.#jobs.get(keyOf(poolUrl, jobId));
    if (!entry) return false;
    entry.cancel();
    const timer = AbortSignal.timeout(waitMs);
    const named = await Promise.race([entry.whenNamed, aborted(timer).then(() => false)]);
    // Not named yet: the driver cancels at the provider as soon as the name arrives.
    if (named) await entry.cancelAtProvider();
    return true;
  }
}

async function listen(entry: JobEntry, call: BackendCall, limits: CallerLimits): Promise<BackendResult> {
  const timer = AbortSignal.timeout(limits.timeoutMs);
  const stopped = AbortSignal.any([timer, entry.canceledSignal, ...(call.signal ? [call.signal] : [])]);
  const listener = call.onProgress;
  entry.callers += 1;
  if (listener) entry.listeners.add(listener);
  try {
    return await new Promise<BackendResult>((resolve, reject) => {
      const onStop = () => reject(left(entry, call, timer, limits));
      if (stopped.aborted) return onStop();
      stopped.addEventListener('abort', onStop, { once: true });
      entry.result.then(resolve, reject).finally(() => stopped.removeEventListener('abort', onStop));
    });
  } finally {
    entry.callers -= 1;
    if (listener) entry.listeners.delete(listener);
    if (entry.callers === 0 && !entry.stop.aborted) {
      entry.leave();
      // Named: the driver's cancel at the provider is one quick call, worth waiting for so a
      // deadline really leaves nothing running. Unnamed, the driver cancels once it is named.
      if (entry.isNamed()) await entry.settled;
    }
  }
}

function left(
  entry: JobEntry,
  call: BackendCall,
  timer: AbortSignal,
  limits: CallerLimits,
): BackendCallError {
  if (entry.canceled) return noAnswerError('job_canceled', undefined, `job ${call.jobId} was canceled`);
  if (call.signal?.aborted)
    return noAnswerError('job_canceled', call.signal.reason, 'the caller aborted the call');
  return limits.capped && timer.aborted
    ? noAnswerError('request_timeout', timer.reason, `${call.poolUrl} did not finish within requestTimeoutMs`)
    : noAnswerError('deadline_exceeded', timer.reason, `${call.poolUrl} did not finish within the deadline`);
}

/** One provider job and the calls sharing it. */
class JobEntry implements DrivenJob {
  readonly fingerprint: string;
  readonly listeners = new Set<(progress: BackendProgress) => void>();
  readonly whenNamed: Promise<boolean>;
  callers = 0;
  result: Promise<BackendResult> = Promise.resolve({
    response: { created: 0, data: [] },
    load: null,
    warnings: [],
  });
  settled: Promise<void> = Promise.resolve();
  readonly #stop = new AbortController();
  readonly #canceled = new AbortController();
  #cancelAtProvider: (() => Promise<void>) | null = null;
  #cancelling: Promise<void> | null = null;
  #markNamed: (named: boolean) => void = () => undefined;

  constructor(fingerprint: string) {
    this.fingerprint = fingerprint;
    this.whenNamed = new Promise((resolve) => {
      this.#markNamed = resolve;
    });
  }

  get stop(): AbortSignal {
    return this.#stop.signal;
  }

  get canceledSignal(): AbortSignal {
    return this.#canceled.signal;
  }

  get canceled(): boolean {
    return this.#canceled.signal.aborted;
  }

  start(drive: (job: DrivenJob) => Promise<BackendResult>): void {
    this.result = drive(this);
    this.settled = this.result.then(
      () => undefined,
      () => undefined,
    );
    // A job that ended unnamed (its submit failed) has nothing to cancel.
    void this.settled.then(() => this.#markNamed(this.isNamed()));
  }

  progress(progress: BackendProgress): void {
    for (const listener of this.listeners) {
      try {
        listener(progress);
      } catch {
        // A listener's failure is its own caller's problem; the job and other callers go on.
      }
    }
  }

  named(cancelAtProvider: () => Promise<void>): void {
    this.#cancelAtProvider = cancelAtProvider;
    this.#markNamed(true);
  }

  isNamed(): boolean {
    return this.#cancelAtProvider !== null;
  }

  cancelAtProvider(): Promise<void> {
    if (this.#cancelAtProvider === null) return Promise.resolve();
    this.#cancelling ??= this.#cancelAtProvider();
    return this.#cancelling;
  }

  /** The last caller left: the driver stops and cancels at the provider. */
  leave(): void {
    this.#stop.abort();
  }

  /** Canceled: callers fail now, the driver stops and cancels at the provider. */
  cancel(): void {
    this.#canceled.abort();
    this.#stop.abort();
  }
}

function conflict(jobId: string): BackendCallError {
  const message = `job ${jobId} is already running here for another request`;
  return new BackendCallError({
    message,
    status: 409,
    code: 'job_id_conflict',
    ...classifyHttpFailure(409, 'job_id_conflict'),
    envelope: errorEnvelope('job_id_conflict', message, jobId),
  });
}

function keyOf(poolUrl: string, jobId: string): string {
  return `${poolUrl.replace(/\/+$/, '')} ${jobId}`;
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
