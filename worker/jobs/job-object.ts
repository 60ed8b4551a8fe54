import { DurableObject } from 'cloudflare:workers';
import { type ErrorEnvelope, isTerminalJobStatus } from '../../shared/index.ts';
import { edgeConfigOf, type JobSettings } from '../config.ts';
import { ChangeWaiters } from './change-waiters.ts';
import { nextAlarmAt } from './job-alarm-plan.ts';
import { enqueueJob } from './job-message.ts';
import {
  type CancelResult,
  type ClaimedJob,
  type CreateJobResult,
  type JobPool,
  type JobProgressReport,
  type JobRecord,
  type JobSuccess,
  type JobViewer,
  type NewJob,
  type SucceedResult,
  visibleTo,
} from './job-record.ts';
import {
  claimedJob,
  deadlineError,
  initialRecord,
  progressChange,
  requeued,
  sameSubmission,
  watchdogVerdict,
} from './job-transitions.ts';
import { deleteImages } from './result-store.ts';
import { enterWaitingRoom, leaveWaitingRoom, needsTurn } from './waiting-room-stub.ts';
import { deliverDueWebhook } from './webhook-delivery.ts';

const RECORD_KEY = 'job';
/** Longest a reader may wait in one call (long-poll, one SSE round). */
const MAX_WAIT_MS = 60_000;

/**
 * One async job: its state machine, its single result, its webhook and its retention, in
 * SQLite storage. One object per job, named by the job id. The queue consumer claims the job
 * (one live claim at a time, renewed while it runs), reports where it runs and how it ended;
 * the first reported success is the job's one result. The alarm is the safety net: it enqueues
 * the job again when a claim lapsed (isolate gone) or a message was lost, fails it at its
 * deadline, delivers the webhook with full-jitter retries, and deletes everything after the
 * retention period.
 *
 * @example
 * const job = env.JOBS.getByName(jobId); // one object per job id
 * const created = await job.create(newJob);
 */
export class JobObject extends DurableObject<Env> {
  /** Readers waiting for the next change (long-poll, SSE), woken on every visible write. */
  readonly #changes = new ChangeWaiters();

  #settings(): JobSettings {
    return edgeConfigOf(this.env).jobs;
  }

  #read(): JobRecord | undefined {
    return this.ctx.storage.kv.get<JobRecord>(RECORD_KEY);
  }

  /** Stores the record (a visible change bumps `version`), wakes readers and re-plans the alarm. */
  async #write(next: JobRecord, visible: boolean): Promise<JobRecord> {
    const record = visible ? { ...next, version: next.version + 1, updatedAt: Date.now() } : next;
    this.ctx.storage.kv.put(RECORD_KEY, record);
    if (visible) this.#changes.wakeAll();
    const at = nextAlarmAt(record, this.#settings());
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
    return record;
  }

  /**
   * Creates the job, or answers an idempotent replay with the existing one (also while it is
   * still running); a different body under the same key is `key_mismatch`. Runs without an
   * await before the first write, so concurrent duplicates cannot both create.
   */
  async create(input: NewJob): Promise<CreateJobResult> {
    const prior = await this.prior(input);
    if (prior) return prior;
    const record = await this.#write(initialRecord(input, Date.now()), false);
    await enterWaitingRoom(this.env, record, record.createdAt);
    await enqueueJob(this.env.JOB_QUEUE, record.id, record.request.model);
    return { kind: 'created', record };
  }

  /** What a submission already made under this id says of `input` (a replay, or another body); null if none. */
  async prior(input: NewJob): Promise<Exclude<CreateJobResult, { kind: 'created' }> | null> {
    const existing = this.#read();
    if (!existing) return null;
    return sameSubmission(existing, input)
      ? { kind: 'replayed', record: existing }
      : { kind: 'key_mismatch' };
  }

  /** The job, or null when it does not exist or `viewer` may not see it (another tenant or app user). */
  async read(viewer: JobViewer): Promise<JobRecord | null> {
    const record = this.#read();
    return record && visibleTo(record, viewer) ? record : null;
  }

  /**
   * Waits until the job's version passes `afterVersion` (or, with `terminal`, until it is
   * terminal), at most `timeoutMs`, then returns it as it is; null as {@link read}.
   */
  async waitFor(
    viewer: JobViewer,
    afterVersion: number,
    terminal: boolean,
    timeoutMs: number,
  ): Promise<JobRecord | null> {
    const done = (record: JobRecord | null) =>
      record === null || isTerminalJobStatus(record.status) || (!terminal && record.version > afterVersion);
    return this.#changes.until(() => this.read(viewer), done, Math.min(Math.max(0, timeoutMs), MAX_WAIT_MS));
  }

  /** Cancels a job that has not finished; the caller stops `stopPool` if one is returned. */
  async cancel(viewer: JobViewer): Promise<CancelResult | null> {
    const record = await this.read(viewer);
    if (record === null) return null;
    if (isTerminalJobStatus(record.status)) return { record, stopPool: null };
    // Claimed with a pool recorded: a pool call is (or may be) in flight.
    const stopPool = record.claim !== null ? record.pool : null;
    return { record: await this.#finish(record, { status: 'canceled' }), stopPool };
  }

  /** Claims the job for a queue consumer; null when it is finished or another live claim holds it. */
  async claim(): Promise<ClaimedJob | null> {
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status)) return null;
    const now = Date.now();
    if (record.claim && record.claim.until > now) return null;
    if (now >= record.deadlineAt) {
      await this.#finish(record, { status: 'failed', error: deadlineError(record.id) });
      return null;
    }
    const serial = record.claims + 1;
    const until = now + this.#settings().claimLeaseMs;
    await this.#write({ ...record, claim: { serial, until }, claims: serial, dueAt: null }, false);
    return claimedJob(record, serial);
  }

  /** Extends a live claim; false tells its consumer to stop (canceled, finished or superseded). */
  async renew(serial: number): Promise<boolean> {
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status) || record.claim?.serial !== serial) return false;
    const until = Date.now() + this.#settings().claimLeaseMs;
    await this.#write({ ...record, claim: { serial, until } }, false);
    return true;
  }

  /** Whether the job was canceled: its consumer counts a claim that ended so as a cancel. */
  async isCanceled(): Promise<boolean> {
    return this.#read()?.status === 'canceled';
  }

  /**
   * Records that the claim's consumer is calling `pool` (one more attempt); `running` follows with
   * the first step. `alongside`: a copy beside one that computes the job (a hedge), which counts as
   * an attempt and leaves the job running where it runs.
   */
  async started(serial: number, pool: JobPool, alongside = false): Promise<void> {
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status) || record.claims !== serial) return;
    // A second copy beside one that computes (`JobCopies`): the job runs where it runs.
    if (alongside && record.status === 'running') {
      await this.#write({ ...record, attempts: record.attempts + 1 }, true);
      return;
    }
    // Waiting on the pool until it reports a step (position 0 = next, or already in a batch).
    await this.#write(
      {
        ...record,
        status: 'queued',
        pool,
        attempts: record.attempts + 1,
        progress: null,
        queuePosition: 0,
        estimatedStartAt: Date.now(),
        waitingSince: null,
      },
      true,
    );
    await this.#leaveRoom(record, true);
  }

  /** Records the pool's queue position (waiting there: `queued`) or step progress (`running`). */
  async report(serial: number, report: JobProgressReport): Promise<void> {
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status) || record.claims !== serial) return;
    await this.#write({ ...record, ...progressChange(report) }, true);
  }

  /** Offers a result; the first one for an unfinished job wins, any later one is refused. */
  async succeed(success: JobSuccess, servedBy?: JobPool): Promise<SucceedResult> {
    const record = this.#read();
    if (!record) return 'stale';
    if (record.status === 'canceled') return 'canceled';
    if (isTerminalJobStatus(record.status)) return 'stale';
    // Any claim's result is the same images (the seed is fixed at submission), so the first
    // wins, even from a claim that lapsed: the job is not computed again for nothing.
    // The pool whose answer won: with a hedge or a tied pair, not always the last one called.
    await this.#finish(record, {
      status: 'succeeded',
      result: success,
      ...(servedBy ? { pool: servedBy } : {}),
    });
    return 'accepted';
  }

  /** Fails the job for good (the request's own fault, or its deadline passed). */
  async fail(serial: number, error: ErrorEnvelope['error']): Promise<void> {
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status) || record.claims !== serial) return;
    await this.#finish(record, { status: 'failed', error });
  }

  /**
   * Hands the job back to its model's room, at its place, after a retryable failure; answers the
   * delay before its message is retried (`delayMs`, cut to its deadline), null when it should not be.
   */
  async release(serial: number, delayMs: number): Promise<number | null> {
    const before = this.#read();
    if (!before || isTerminalJobStatus(before.status) || before.claims !== serial) return null;
    // It keeps its place (submission order within its tenant) however often it is released.
    const waitingSince = before.waitingSince ?? before.createdAt;
    // At once the next in line again: its message is retried after the delay, but another turn
    // that finds room first takes it, so a backlog drains in its order, not by whose delay ends first.
    await enterWaitingRoom(this.env, before, waitingSince);
    // Events may have come in while the room answered (a cancel): judge the record as it is now.
    const record = this.#read();
    if (!record || isTerminalJobStatus(record.status) || record.claims !== serial) {
      await leaveWaitingRoom(this.env, before);
      return null;
    }
    const delay = Math.min(delayMs, Math.max(0, record.deadlineAt - Date.now()));
    await this.#write({ ...requeued(record, Date.now() + delay), waitingSince }, true);
    return delay;
  }

  /** Out of the waiting room when it waits there (it reached a pool, `started`, or ended). */
  async #leaveRoom(record: JobRecord, started = false): Promise<void> {
    if (record.waitingSince !== undefined && record.waitingSince !== null) {
      await leaveWaitingRoom(this.env, record, started);
    }
  }

  async #finish(record: JobRecord, change: Partial<JobRecord>): Promise<JobRecord> {
    const now = Date.now();
    const finished = await this.#write(
      {
        ...record,
        ...change,
        claim: null,
        dueAt: null,
        waitingSince: null,
        expiresAt: now + this.#settings().resultRetentionMs,
        webhookDelivery: record.webhook === null ? null : { attempts: 0, nextAt: now },
      },
      true,
    );
    await this.#leaveRoom(record);
    return finished;
  }

  /** The safety net and the timer of everything that happens after the job ended. */
  override async alarm(): Promise<void> {
    let record = this.#read();
    if (!record) return;
    const now = Date.now();
    if (record.expiresAt !== null && record.expiresAt <= now) {
      await this.#purge(record);
      return;
    }
    if (!isTerminalJobStatus(record.status)) {
      record = await this.#watch(record, now);
    }
    if (record.webhookDelivery && record.webhookDelivery.nextAt <= now) {
      const webhookDelivery = await deliverDueWebhook(this.env, record, now);
      await this.#write({ ...(this.#read() ?? record), webhookDelivery }, false);
      return;
    }
    await this.#write(record, false);
  }

  async #watch(record: JobRecord, now: number): Promise<JobRecord> {
    const verdict = watchdogVerdict(record, now, this.#settings().watchdogMs);
    if (verdict === 'deadline') {
      return this.#finish(record, { status: 'failed', error: deadlineError(record.id) });
    }
    if (verdict === null) return record;
    // A late result from a lapsed claim is still accepted if it arrives first. Back in its room,
    // at its old place: a job that had reached a pool left it. One only waiting gets no new turn.
    const waitingSince = record.waitingSince ?? record.createdAt;
    const next = await this.#write({ ...requeued(record, now), waitingSince }, verdict === 'claim_lapsed');
    const turnLost =
      verdict === 'claim_lapsed'
        ? await enterWaitingRoom(this.env, record, waitingSince).then(() => true)
        : await needsTurn(this.env, record, waitingSince, now, this.#settings().watchdogMs);
    if (turnLost) await enqueueJob(this.env.JOB_QUEUE, record.id, record.request.model);
    return next;
  }

  async #purge(record: JobRecord): Promise<void> {
    await deleteImages(this.env.RESULTS, record.id, record.result?.images.length ?? 0);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
