/**
 * Wire types of the Spillway API, written by hand so the SDK ships without zod. They mirror the
 * zod schemas in `shared/schemas/`; `test/sdk/sdk-contract.test.ts` fails when the two drift.
 */

/** OpenAI-compatible error types (`shared/schemas/error-envelope.ts`). */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'overloaded_error'
  | 'timeout_error'
  | 'upstream_error'
  | 'server_error';

/** The `error` object of the wire envelope. */
export interface ErrorBody {
  type: ErrorType;
  code: string;
  message: string;
  param: string | null;
}

/** The error envelope every failed call answers with. */
export interface ErrorEnvelope {
  error: ErrorBody;
  request_id: string;
}

/** A generation request as a client writes it: OpenAI Images fields plus Spillway's. */
export interface GenerationRequest {
  prompt: string;
  model?: string;
  /** Images to generate, 1-10 (default 1). */
  n?: number;
  /** `WIDTHxHEIGHT`, e.g. `"256x256"`, or `"auto"` (the model's default, as when left out). */
  size?: string;
  response_format?: 'b64_json' | 'url';
  user?: string;
  quality?: string;
  style?: string;
  output_format?: 'png';
  /** Images are opaque PNGs; `"transparent"` is answered with a warning. */
  background?: 'transparent' | 'opaque' | 'auto';
  /** Accepted for OpenAI compatibility. */
  moderation?: 'low' | 'auto';
  /** Accepted for OpenAI compatibility; PNG output is lossless. */
  output_compression?: number;
  /** Seed of the first image; image i uses seed + i. */
  seed?: number;
  steps?: number;
  /** What the image should not show (pipelines that use classifier-free guidance). */
  negative_prompt?: string;
  /** Classifier-free guidance scale, 0-30; the model's default when absent. */
  guidance_scale?: number;
  priority?: 'low' | 'normal' | 'high';
  /** Time budget in milliseconds from when the server receives the request. */
  deadline_ms?: number;
}

/** `POST /v1/jobs` body: a generation request plus an optional https `webhook`. */
export interface JobSubmitRequest extends Omit<GenerationRequest, 'response_format' | 'background'> {
  /** A job's images are always short-lived signed URLs. */
  response_format?: 'url';
  /** Images are opaque PNGs. */
  background?: 'opaque' | 'auto';
  webhook?: string;
}

/** One generated image. */
export interface GeneratedImage {
  b64_json?: string;
  url?: string;
  revised_prompt?: string;
  seed?: number;
}

/** The OpenAI Images response of `POST /v1/images/generations`. */
export interface GenerationResponse {
  created: number;
  data: GeneratedImage[];
}

/** Where a generation was served, from the edge's response headers (null when a header is absent). */
export interface ServedBy {
  /** `x-request-id`: quote it to support. */
  requestId: string | null;
  /** `x-spillway-pool`: the pool that made the images. */
  poolId: string | null;
  /** `x-spillway-provider`: that pool's provider. */
  providerId: string | null;
  /** `x-spillway-warnings`: request options the serving pool could not honour (ignored, never silently). */
  warnings: string[];
}

/** What `generate()` resolves to: the OpenAI-shaped body, plus where it was served. */
export interface Generation extends GenerationResponse {
  served: ServedBy;
}

/** Lifecycle of an async job. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** Step progress of a running job. */
export interface JobProgress {
  step: number;
  steps: number;
}

/** A finished job's images (`url`s are short-lived signed links). */
export interface JobResult {
  created: number;
  data: GeneratedImage[];
  /** Request options the pool could not honour (ignored, never silently); empty if none. */
  warnings: string[];
}

/** One async job. Fields that do not apply to the current status are `null`. */
export interface JobResource {
  id: string;
  object: 'spillway.job';
  status: JobStatus;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds of the latest status change. */
  updated_at: number;
  model: string;
  /** Images ahead of this job (0 = next); null unless queued. */
  queue_position: number | null;
  /** Estimated start, unix milliseconds; null unless queued. */
  estimated_start_at: number | null;
  progress: JobProgress | null;
  result: JobResult | null;
  error: ErrorBody | null;
  pool_id: string | null;
  attempts: number;
  status_url: string;
  events_url: string;
  cancel_url: string;
}

/** Statuses a job never leaves. */
export const terminalJobStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/**
 * Whether a job can still change.
 * @example if (isTerminal(job)) console.log('done:', job.status);
 */
export function isTerminal(job: Pick<JobResource, 'status'>): boolean {
  return terminalJobStatuses.includes(job.status);
}
