import { type ErrorEnvelope, errorEnvelope } from '../../shared/index.ts';
import type { JobSettings } from '../config.ts';
import { fullJitterDelay } from './backoff.ts';
import type { ClaimedJob, JobProgressReport, JobRecord, NewJob } from './job-record.ts';

/** A freshly submitted job: queued at the edge, waiting in its model's room since now, its message due now. */
export function initialRecord(input: NewJob, now: number): JobRecord {
  return {
    ...input,
    status: 'queued',
    version: 1,
    createdAt: now,
    updatedAt: now,
    result: null,
    error: null,
    pool: null,
    progress: null,
    queuePosition: null,
    attempts: 0,
    claim: null,
    claims: 0,
    dueAt: now,
    waitingSince: now,
    webhookDelivery: null,
    expiresAt: null,
  };
}

/** What a pool's report changes: waiting there (`queued` at a position) or computing (`running`, step k of n). */
export function progressChange(report: JobProgressReport): Partial<JobRecord> {
  return report.kind === 'queued'
    ? {
        status: 'queued',
        queuePosition: report.position,
        estimatedStartAt: report.estimatedStartAt ?? null,
        progress: null,
      }
    : {
        status: 'running',
        queuePosition: null,
        estimatedStartAt: null,
        progress: { step: report.step, steps: report.steps },
      };
}

/** Back in the edge's queue (released after a retryable failure, or its claim lapsed). */
export function requeued(record: JobRecord, dueAt: number): JobRecord {
  return {
    ...record,
    status: 'queued',
    claim: null,
    dueAt,
    progress: null,
    queuePosition: null,
    estimatedStartAt: null,
  };
}

/**
 * The webhook schedule after delivery number `attempt`: done when delivered, gone (410) or out of
 * attempts, else another try after a full-jitter delay (at least 100 ms).
 */
export function nextWebhookDelivery(
  outcome: 'delivered' | 'failed' | 'gone',
  attempt: number,
  settings: JobSettings,
  now: number,
): JobRecord['webhookDelivery'] {
  if (outcome !== 'failed' || attempt >= settings.webhookMaxAttempts) return null;
  const delay = fullJitterDelay(attempt, {
    baseMs: settings.webhookRetryBaseMs,
    capMs: settings.webhookMaxDelayMs,
  });
  return { attempts: attempt, nextAt: now + Math.max(delay, 100) };
}

/** The error of a job whose deadline passed. */
export function deadlineError(jobId: string): ErrorEnvelope['error'] {
  return errorEnvelope('deadline_exceeded', 'the job did not finish before its deadline', jobId).error;
}

/**
 * Whether `existing` is the job `input` submits again (an idempotent replay): the same body, tenant
 * and app user. Another body under the same key is a mismatch.
 */
export function sameSubmission(existing: JobRecord, input: NewJob): boolean {
  return (
    existing.fingerprint === input.fingerprint &&
    existing.tenant.id === input.tenant.id &&
    (existing.owner ?? null) === (input.owner ?? null)
  );
}

/** What the watchdog alarm finds wrong with an unfinished job ({@link watchdogVerdict}). */
export type WatchdogVerdict = 'deadline' | 'claim_lapsed' | 'message_lost' | null;

/**
 * What the watchdog alarm does with an unfinished job at `now`: fail it at its deadline, enqueue
 * it again when its claim lapsed (the consumer's isolate is gone) or when no consumer claimed it
 * `watchdogMs` after it was due (the message was lost); null while all is well.
 */
export function watchdogVerdict(record: JobRecord, now: number, watchdogMs: number): WatchdogVerdict {
  if (now >= record.deadlineAt) return 'deadline';
  if (record.claim !== null) return record.claim.until <= now ? 'claim_lapsed' : null;
  return (record.dueAt ?? now) + watchdogMs <= now ? 'message_lost' : null;
}

/** What the queue consumer gets for claim number `serial` of the job. */
export function claimedJob(record: JobRecord, serial: number): ClaimedJob {
  return {
    serial,
    id: record.id,
    tenant: record.tenant,
    request: record.request,
    deadlineAt: record.deadlineAt,
    ...(record.traceparent === undefined ? {} : { traceparent: record.traceparent }),
  };
}
