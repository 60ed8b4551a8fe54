import type { BackendCallError } from '../backend-call-error.ts';
import { asRecord, parseJson, providerAnswerError, trimBase } from '../provider-kit/index.ts';

/**
 * A prediction object as Replicate's HTTP API returns it (https://replicate.com/docs/reference/http:
 * `id`, `status` starting | processing | succeeded | failed | canceled (| aborted), `output`,
 * `error`, `logs`, `urls.get`, `urls.cancel`). Only the fields the adapter reads.
 */
export interface Prediction {
  readonly id: string;
  readonly status: string;
  readonly output: unknown;
  readonly error: string | null;
  readonly logs: string;
  readonly urls: { readonly get: unknown; readonly cancel: unknown };
}

/** Where a pool's predictions are created, read and cancelled. */
export interface ReplicateEndpoints {
  readonly create: string;
  /** `GET`: the account's recent predictions. */
  readonly list: string;
  /** The pool's model as Replicate names it in predictions (`owner/name`), if the URL names one. */
  readonly model: string | null;
  prediction(id: string): string;
  cancel(id: string): string;
}

/**
 * Endpoints for a pool URL. A pool is a model (`…/v1/models/{owner}/{name}`) or a deployment
 * (`…/v1/deployments/{owner}/{name}`), whose predictions are created below it; or, with
 * `upstream.version`, the API base (`…/v1`), where `POST /predictions` takes the version.
 * Predictions are read and cancelled at `{api base}/predictions/{id}` either way.
 */
export function replicateEndpoints(poolUrl: string, version: string | undefined): ReplicateEndpoints {
  const base = trimBase(poolUrl);
  const pool = /\/(models|deployments)\/([^/]+)\/([^/]+)$/.exec(base);
  const api = pool ? base.slice(0, pool.index) : base;
  const prediction = (id: string) => `${api}/predictions/${encodeURIComponent(id)}`;
  return {
    create: version === undefined ? `${base}/predictions` : `${api}/predictions`,
    list: `${api}/predictions`,
    model: pool?.[1] === 'models' ? `${pool[2]}/${pool[3]}` : null,
    prediction,
    cancel: (id) => `${prediction(id)}/cancel`,
  };
}

/** A prediction object from a 2xx body, or null when the body is not one. */
export function asPrediction(body: unknown): Prediction | null {
  const record = asRecord(body);
  if (!record || typeof record.id !== 'string' || record.id === '' || typeof record.status !== 'string') {
    return null;
  }
  const urls = asRecord(record.urls);
  return {
    id: record.id,
    status: record.status,
    output: record.output,
    error:
      typeof record.error === 'string'
        ? record.error
        : record.error == null
          ? null
          : JSON.stringify(record.error),
    logs: typeof record.logs === 'string' ? record.logs : '',
    urls: { get: urls?.get, cancel: urls?.cancel },
  };
}

/** Output file URLs of a succeeded prediction: Replicate gives one URL or a list of them. */
export function outputUrls(output: unknown): string[] {
  if (typeof output === 'string') return [output];
  return Array.isArray(output) ? output.filter((item): item is string => typeof item === 'string') : [];
}

/** tqdm's `k/n` counter, which diffusers models print to their logs at each step. */
const STEP_COUNTER = /(\d+)\/(\d+)\s*\[[^\]]*\]\s*$/;

/** The last step counter in a prediction's logs, or null. */
export function stepOf(logs: string): { step: number; steps: number } | null {
  const lines = logs.trimEnd().split(/[\r\n]+/);
  const match = STEP_COUNTER.exec(lines[lines.length - 1] ?? '');
  if (!match) return null;
  const step = Number(match[1]);
  const steps = Number(match[2]);
  return steps > 0 && step <= steps ? { step, steps } : null;
}

/**
 * The error for a non-2xx answer. Replicate answers errors as problem details (`title`,
 * `detail`, `status`; a 422 "Input validation failed" also lists `invalid_fields`).
 */
export function replicateError(
  response: Response,
  text: string,
  { jobId, token, now }: { readonly jobId: string; readonly token: string; readonly now: number },
): BackendCallError {
  const body = asRecord(parseJson(text));
  const detail =
    typeof body?.detail === 'string' ? body.detail : typeof body?.title === 'string' ? body.title : null;
  const fields = Array.isArray(body?.invalid_fields) ? body.invalid_fields : [];
  const field = asRecord(fields[0])?.field;
  return providerAnswerError({
    provider: 'replicate',
    status: response.status,
    headers: response.headers,
    detail,
    param: typeof field === 'string' ? spillwayParam(field) : null,
    token,
    jobId,
    now,
    otherRefusals: 'pool',
  });
}

const PARAMS: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  num_outputs: 'n',
  width: 'size',
  height: 'size',
  num_inference_steps: 'steps',
  seed: 'seed',
};

/** Replicate's `input.width` as the request field it came from (`size`). */
function spillwayParam(field: string): string | null {
  return PARAMS[field.replace(/^input\./, '')] ?? null;
}
