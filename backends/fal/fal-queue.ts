import type { BackendCallError } from '../backend-call-error.ts';
import { noAnswerError } from '../failure-policy.ts';
import { asRecord, parseJson, providerAnswerError, trimBase } from '../provider-kit/index.ts';
import { spillwayParam } from './fal-input.ts';

/**
 * fal's queue API (https://docs.fal.ai/model-endpoints/queue): submit `POST
 * https://queue.fal.run/{model_id}[/{subpath}]` → `{request_id, status_url, response_url,
 * cancel_url}`; `GET …/requests/{id}/status` → `status` IN_QUEUE (with `queue_position`, 0 =
 * next) | IN_PROGRESS | COMPLETED, answered 202 until complete, then 200; `GET …/requests/{id}`
 * → the result; `PUT …/requests/{id}/cancel` → 202 CANCELLATION_REQUESTED, 400
 * ALREADY_COMPLETED or 404 NOT_FOUND. Status, result and cancel live under the owner and app
 * only, without the submit's subpath.
 */
export interface FalEndpoints {
  readonly submit: string;
  status(id: string): string;
  result(id: string): string;
  cancel(id: string): string;
}

/** Endpoints for a pool URL, the app's queue URL (`https://queue.fal.run/fal-ai/flux/dev`). */
export function falEndpoints(poolUrl: string): FalEndpoints {
  const submit = trimBase(poolUrl);
  const url = new URL(submit);
  const app = url.pathname.split('/').filter(Boolean).slice(0, 2);
  const base = `${url.origin}${app.map((segment) => `/${segment}`).join('')}`;
  const request = (id: string) => `${base}/requests/${encodeURIComponent(id)}`;
  return {
    submit,
    status: (id) => `${request(id)}/status`,
    result: request,
    cancel: (id) => `${request(id)}/cancel`,
  };
}

/** fal's answer to a submit: the request's id and the URLs it named. */
export interface FalSubmitted {
  readonly requestId: string;
  readonly statusUrl: unknown;
  readonly responseUrl: unknown;
  readonly cancelUrl: unknown;
  readonly queuePosition: number | null;
}

/** A submit answer, or null when the body is not one. */
export function asSubmitted(body: unknown): FalSubmitted | null {
  const record = asRecord(body);
  if (!record || typeof record.request_id !== 'string' || record.request_id === '') return null;
  return {
    requestId: record.request_id,
    statusUrl: record.status_url,
    responseUrl: record.response_url,
    cancelUrl: record.cancel_url,
    queuePosition: position(record.queue_position),
  };
}

/** A status answer: `status` and, while queued, `queue_position`. */
export function asStatus(body: unknown): { status: string; queuePosition: number | null } | null {
  const record = asRecord(body);
  if (!record || typeof record.status !== 'string') return null;
  return { status: record.status, queuePosition: position(record.queue_position) };
}

/** The images of a result (`images: [{url, content_type, width, height}]`) and its seed. */
export function asResult(body: unknown): { urls: string[]; seed: number | null } | null {
  const record = asRecord(body);
  if (!record || !Array.isArray(record.images)) return null;
  const urls = record.images.map((image) => asRecord(image)?.url).filter((url) => typeof url === 'string');
  return { urls, seed: Number.isSafeInteger(record.seed) ? Number(record.seed) : null };
}

/**
 * The error for a non-2xx answer. fal answers model validation errors with a `detail` list
 * (`{loc, msg, type}`, https://docs.fal.ai/errors) and request errors with `detail` as text
 * plus `error_type` (https://docs.fal.ai/documentation/model-apis/request-errors); a request
 * cancelled at fal answers 499 `client_cancelled`.
 */
export function falError(
  response: Response,
  text: string,
  { jobId, token, now }: { readonly jobId: string; readonly token: string; readonly now: number },
): BackendCallError {
  const body = asRecord(parseJson(text));
  const errorType = body?.error_type ?? response.headers.get('x-fal-error-type');
  if (errorType === 'client_cancelled')
    return noAnswerError('job_canceled', undefined, 'the request was cancelled at fal');
  const first = Array.isArray(body?.detail) ? asRecord(body.detail[0]) : null;
  const detail =
    typeof body?.detail === 'string' ? body.detail : typeof first?.msg === 'string' ? first.msg : null;
  return providerAnswerError({
    provider: 'fal',
    status: response.status,
    detail,
    headers: response.headers,
    param: spillwayParam(first?.loc),
    token,
    jobId,
    now,
    otherRefusals: 'pool',
  });
}

function position(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}
