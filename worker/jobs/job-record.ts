import type { ErrorEnvelope, GenerationRequest, JobStatus } from '../../shared/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';

/** The pool a job runs (or ran) on; the URL stays inside the edge, tenants see only the id. */
export interface JobPool {
  readonly poolId: string;
  readonly providerId: string;
  readonly url: string;
  readonly protocol: string;
}

/** One stored image of a finished job (the PNG itself lives in R2). */
export interface JobImage {
  readonly seed: number | null;
  readonly revised_prompt: string | null;
}

/** A consumer's claim on a job: only the holder of the newest serial may report an outcome. */
export interface JobClaim {
  readonly serial: number;
  /** Epoch ms; an unrenewed claim past this is presumed dead and the job is enqueued again. */
  readonly until: number;
}

/**
 * Everything a job object stores, in one record (times are epoch ms). Plain JSON, so it crosses
 * RPC and storage unchanged.
 */
export interface JobRecord {
  readonly id: string;
  readonly tenant: RoutingTenant;
  /**
   * The app user (`sub` of the app token) that submitted the job, who alone among app users may
   * see or cancel it; null for a job a tenant server (API key) submitted. Absent on older records.
   */
  readonly owner?: string | null;
  /** SHA-256 of the submitted body, to tell an idempotent replay from a reused key. */
  readonly fingerprint: string;
  /** The request as dispatched: tenant defaults applied and the seed fixed, so every attempt on any pool draws the same images. */
  readonly request: GenerationRequest;
  readonly webhook: string | null;
  /** Origin the job was submitted to; its status, events and result URLs point there. */
  readonly origin: string;
  /**
   * The submission's W3C `traceparent` (the edge's span of `POST /v1/jobs`): each dispatch of the
   * job continues that trace, so the client's trace id reaches the pool's log. Absent on older records.
   */
  readonly traceparent?: string;
  readonly status: JobStatus;
  /** Grows with every change a client can see; the SSE event id. */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deadlineAt: number;
  readonly result: JobSuccess | null;
  readonly error: ErrorEnvelope['error'] | null;
  readonly pool: JobPool | null;
  /** Step progress reported by the pool (running), or null. */
  readonly progress: { readonly step: number; readonly steps: number } | null;
  /** Images ahead of the job on its pool while it waits there, or null. */
  readonly queuePosition: number | null;
  /** Expected start while it waits on a pool (epoch ms); absent in records from before it. */
  readonly estimatedStartAt?: number | null;
  /** Set while the job waits in its model's room for a pool (from submission): its place. */
  readonly waitingSince?: number | null;
  /** Pool calls so far, over every claim. */
  readonly attempts: number;
  readonly claim: JobClaim | null;
  /** Serial of the latest claim. */
  readonly claims: number;
  /** When the job's latest queue message is due (epoch ms); the watchdog enqueues again if nothing claims it. */
  readonly dueAt: number | null;
  readonly webhookDelivery: { readonly attempts: number; readonly nextAt: number } | null;
  /** When a terminal job and its images are deleted. */
  readonly expiresAt: number | null;
}

/** What `POST /v1/jobs` hands the job object. */
export type NewJob = Pick<
  JobRecord,
  'id' | 'tenant' | 'owner' | 'fingerprint' | 'request' | 'webhook' | 'origin' | 'deadlineAt' | 'traceparent'
>;

/**
 * Who asks about a job: a tenant server (`owner` null) sees every job of its tenant; an app user
 * (`owner` = its `sub`) sees only the jobs it submitted itself.
 */
export interface JobViewer {
  readonly tenantId: string;
  readonly owner: string | null;
}

/** Whether `viewer` may see and cancel the job; anyone else is told it does not exist. */
export function visibleTo(record: JobRecord, viewer: JobViewer): boolean {
  if (record.tenant.id !== viewer.tenantId) return false;
  return viewer.owner === null || (record.owner ?? null) === viewer.owner;
}

/** How `create` went: a new job, the same job again (idempotent replay), or a reused key. */
export type CreateJobResult =
  | { readonly kind: 'created' | 'replayed'; readonly record: JobRecord }
  | { readonly kind: 'key_mismatch' };

/** A claim the queue consumer acts on. */
export interface ClaimedJob {
  readonly serial: number;
  readonly id: string;
  readonly tenant: RoutingTenant;
  readonly request: GenerationRequest;
  readonly deadlineAt: number;
  /** The submission's trace ({@link JobRecord.traceparent}), when it was recorded. */
  readonly traceparent?: string;
}

/** What a consumer reports when its claim produced the images. */
export interface JobSuccess {
  readonly created: number;
  readonly images: readonly JobImage[];
  /** Options the pool could not honour; absent in records from before warnings were kept. */
  readonly warnings?: readonly string[];
}

/** What a consumer reports while its pool call runs. */
export type JobProgressReport =
  | { readonly kind: 'queued'; readonly position: number; readonly estimatedStartAt?: number | null }
  | { readonly kind: 'progress'; readonly step: number; readonly steps: number };

/** Whether a reported success became the job's one result. */
export type SucceedResult = 'accepted' | 'canceled' | 'stale';

/** `cancel`'s answer: the job after the cancel, and the pool to stop when it was running. */
export interface CancelResult {
  readonly record: JobRecord;
  readonly stopPool: JobPool | null;
}
