import type { JobResource } from '../../shared/index.ts';
import type { JobRecord } from './job-record.ts';
import { signedResultUrls } from './result-urls.ts';

/** Keys and timings {@link toJobResource} needs. */
export interface JobViewContext {
  readonly edgeSigningKey: string;
  readonly urlTtlSeconds: number;
  readonly nowMs: number;
  /** Jobs ahead of this one in its model's waiting room, when it waits at the edge there. */
  readonly edgeQueuePosition?: number | null;
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
    // (0 for a job not released there yet: it is being dispatched now).
    queue_position: queued ? (record.queuePosition ?? context.edgeQueuePosition ?? 0) : null,
    // At the edge: when the job's (re)delivery is due; on a pool: from its position and speed.
    estimated_start_at: queued ? estimatedStart(record, context.nowMs) : null,
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

function estimatedStart(record: JobRecord, nowMs: number): number | null {
  if (record.queuePosition === null) return Math.max(record.dueAt ?? nowMs, nowMs);
  return record.estimatedStartAt ?? null;
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
