import type { JobResource } from '../../shared/index.ts';
import type { JobRecord } from './job-record.ts';
import { signedResultUrls } from './result-urls.ts';
import type { WaitingPlace } from './waiting-room.ts';

/** Keys and timings {@link toJobResource} needs. */
export interface JobViewContext {
  readonly edgeSigningKey: string;
  readonly urlTtlSeconds: number;
  readonly nowMs: number;
  /** Its place in its model's waiting room, when it waits at the edge there. */
  readonly waitingPlace?: WaitingPlace | null;
}

/**
 * The wire view of a job (`shared/schemas/job-resource.ts`): unix-second times, fields that do
 * not apply to the status as `null`, the pool's id but never its URL, and fresh signed URLs for
 * a succeeded job's images.
 */
export async function toJobResource(record: JobRecord, context: JobViewContext): Promise<JobResource> {
  const statusUrl = `${record.origin}/v1/jobs/${record.id}`;
  const queued = record.status === 'queued';
  return {
    id: record.id,
    object: 'spillway.job',
    status: record.status,
    created_at: Math.floor(record.createdAt / 1000),
    updated_at: Math.floor(record.updatedAt / 1000),
    model: record.request.model ?? '',
    // On a pool, its count of images ahead; at the edge, the jobs ahead in the waiting room
    // (0 when the room cannot say: it is being dispatched now).
    queue_position: queued ? (record.queuePosition ?? context.waitingPlace?.position ?? 0) : null,
    estimated_start_at: queued ? estimatedStart(record, context) : null,
    progress: record.status === 'running' ? record.progress : null,
    result: await resultView(record, context),
    error: record.status === 'failed' ? record.error : null,
    // Queued at the edge (fresh, or again after a lost pool): no pool; queued on a pool: that pool.
    pool_id: queued && record.queuePosition === null ? null : (record.pool?.poolId ?? null),
    attempts: record.attempts,
    status_url: statusUrl,
    events_url: `${statusUrl}/events`,
    cancel_url: statusUrl,
  };
}

/**
 * On a pool: from its position and speed. At the edge: from its place in the room and the room's
 * measured drain rate, never before its next try is due; just its next try while the room has no
 * rate yet.
 */
function estimatedStart(record: JobRecord, context: JobViewContext): number | null {
  if (record.queuePosition !== null) return record.estimatedStartAt ?? null;
  const due = Math.max(record.dueAt ?? context.nowMs, context.nowMs);
  // Unix milliseconds are whole: a retry delay is not (jittered).
  return Math.round(Math.max(due, context.waitingPlace?.estimatedStartAt ?? due));
}

async function resultView(record: JobRecord, context: JobViewContext): Promise<JobResource['result']> {
  if (record.status !== 'succeeded' || record.result === null) return null;
  const { images, created, warnings = [] } = record.result;
  const urls = await signedResultUrls({
    edgeSigningKey: context.edgeSigningKey,
    origin: record.origin,
    resultId: record.id,
    count: images.length,
    nowMs: context.nowMs,
    ttlSeconds: context.urlTtlSeconds,
    expiresAt: record.expiresAt ?? context.nowMs,
  });
  return {
    created,
    data: images.map((image, index) => ({
      url: urls[index] ?? '',
      ...(image.seed === null ? {} : { seed: image.seed }),
      ...(image.revised_prompt === null ? {} : { revised_prompt: image.revised_prompt }),
    })),
    warnings: [...warnings],
  };
}
