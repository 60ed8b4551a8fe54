import { z } from 'zod';
import { errorEnvelopeSchema } from './error-envelope.ts';
import { generationRequestSchema } from './generation-request.ts';
import { generatedImageSchema } from './generation-response.ts';

/** Lifecycle of an async job, in the order it can move through them. */
export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;

/** Statuses a job never leaves. */
export const terminalJobStatuses = ['succeeded', 'failed', 'canceled'] as const;

/** Edge job ids: `job_` + 26 URL-safe characters (random, not guessable). */
export const edgeJobIdSchema = z.string().regex(/^job_[A-Za-z0-9_-]{16,64}$/, 'not a job id');

/**
 * `POST /v1/jobs` body: the generation request plus an optional `webhook` (https URL, called
 * once when the job reaches a terminal status). `Idempotency-Key` travels as a header. Unknown
 * fields are refused: a job runs long after its submission, so a misspelt `webhok` must not be
 * accepted and never called.
 */
export const jobSubmitRequestSchema = generationRequestSchema
  .omit({ stream: true, partial_images: true })
  .extend({
    response_format: z
      .literal('url', {
        error:
          'a job\'s images are signed URLs: response_format must be "url" (b64_json: POST /v1/images/generations)',
      })
      .default('url')
      .describe("A job's images are always short-lived signed URLs."),
    background: z
      .enum(['opaque', 'auto'], { error: 'images are opaque PNGs: background must be "opaque" or "auto"' })
      .optional(),
    webhook: z.string().url().max(2048).optional(),
  })
  .strict();

/** Parsed job submission. */
export type JobSubmitRequest = z.infer<typeof jobSubmitRequestSchema>;

/** Step progress of a running job (its slowest image). */
export const jobProgressSchema = z.object({
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
});

/** The finished job's images, OpenAI Images shaped (`url`s are short-lived signed links). */
export const jobResultSchema = z.object({
  created: z.number().int(),
  data: z.array(generatedImageSchema),
  /**
   * Request options the pool that ran the job could not honour (e.g. `style` on a provider
   * without it), as the sync endpoint's `x-spillway-warnings` header lists them; empty if none.
   */
  warnings: z.array(z.string()),
});

/**
 * One async job as `POST /v1/jobs`, `GET /v1/jobs/:id` and the job's SSE events show it.
 * Fields that do not apply to the current status are `null`, never absent, so typed clients
 * (Swift, Kotlin) can decode every state with one type.
 */
export const jobResourceSchema = z.object({
  id: edgeJobIdSchema,
  object: z.literal('spillway.job'),
  status: z.enum(jobStatuses),
  created_at: z.number().int().describe('Unix seconds (as OpenAI’s `created`).'),
  updated_at: z.number().int().describe('Unix seconds of the latest status change.'),
  model: z.string(),
  /** Jobs ahead of this one at the edge, or the pool's own count on its pool (0 = next); null unless queued. */
  queue_position: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .describe(
      "Jobs ahead of this one in the edge's fair order, or the pool's own count while it waits on a pool (0 = next); null unless queued.",
    ),
  estimated_start_at: z
    .number()
    .int()
    .nullable()
    .describe(
      'Estimated start in Unix **milliseconds** (not seconds, unlike `created_at`); null unless queued.',
    ),
  progress: jobProgressSchema.nullable(),
  result: jobResultSchema.nullable(),
  error: errorEnvelopeSchema.shape.error.nullable(),
  /** Pool that ran (or is running) the job; null while queued at the edge. */
  pool_id: z.string().nullable(),
  /** Dispatch attempts so far (a pool lost mid-job means another attempt elsewhere). */
  attempts: z.number().int().nonnegative(),
  status_url: z.string(),
  events_url: z.string(),
  cancel_url: z.string(),
});

/** A job as the API returns it. */
export type JobResource = z.infer<typeof jobResourceSchema>;
/** One of {@link jobStatuses}. */
export type JobStatus = (typeof jobStatuses)[number];

/** Whether a job in this status can still change. */
export function isTerminalJobStatus(status: JobStatus): boolean {
  return (terminalJobStatuses as readonly JobStatus[]).includes(status);
}

/**
 * Job SSE (`GET /v1/jobs/:id/events`): each event's name is the job's status, its `data` the
 * whole {@link JobResource}, its `id` the job's version (a counter that grows with every
 * change), so `Last-Event-ID: N` resumes with the first version after N. The stream ends after
 * a terminal status.
 */
export const jobEventNames = jobStatuses;

/**
 * Webhook delivery headers (Standard Webhooks, as Replicate signs them): `webhook-signature` is
 * `v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}` with the tenant's
 * webhook secret (`whsec_` + base64 key). The body is the {@link JobResource} at a terminal status.
 */
export const webhookHeaderNames = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;
