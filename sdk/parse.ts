import { clientError } from './errors.ts';
import type { ErrorEnvelope, GenerationResponse, JobResource, ServedBy } from './types.ts';

/**
 * Field kinds of a wire object: `s` string, `n` number, `o` object, `a` array; a trailing `?`
 * allows null. Only top-level kinds are checked: enough to refuse a body that is not what we
 * expect, small enough for the bundle budget. Exported so the contract test can compare them
 * with the zod schemas.
 */
export type FieldKinds = Readonly<Record<string, string>>;

/** Top-level fields of a {@link JobResource}. */
export const jobResourceFields: FieldKinds = {
  id: 's',
  object: 's',
  status: 's',
  created_at: 'n',
  updated_at: 'n',
  model: 's',
  queue_position: 'n?',
  estimated_start_at: 'n?',
  progress: 'o?',
  result: 'o?',
  error: 'o?',
  pool_id: 's?',
  attempts: 'n',
  status_url: 's',
  events_url: 's',
  cancel_url: 's',
};

/** Required top-level fields of a {@link GenerationResponse}. */
export const generationResponseFields: FieldKinds = { created: 'n', data: 'a' };

const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a';
  return typeof value === 'string'
    ? 's'
    : typeof value === 'number'
      ? 'n'
      : typeof value === 'object'
        ? 'o'
        : '';
}

/** Whether `value` is an object whose listed fields have the listed kinds. */
export function hasFields(value: unknown, fields: FieldKinds): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(fields).every(([name, kind]) => {
    const field = record[name];
    if (field === null) return kind.endsWith('?');
    return kindOf(field) === kind[0];
  });
}

/**
 * Checks that a value is a job; throws `invalid_response` otherwise.
 * @example
 * const job = parseJobResource(JSON.parse(savedJson));
 */
export function parseJobResource(value: unknown): JobResource {
  if (hasFields(value, jobResourceFields) && value.object === 'spillway.job') {
    if (jobStatuses.includes(String(value.status))) return value as unknown as JobResource;
  }
  throw clientError('invalid_response', 'the server answered with something that is not a job');
}

/**
 * Checks that a value is a generation response; throws `invalid_response` otherwise.
 * @example
 * const response = parseGenerationResponse(await (await fetch(url, init)).json());
 */
export function parseGenerationResponse(value: unknown): GenerationResponse {
  if (hasFields(value, generationResponseFields)) return value as unknown as GenerationResponse;
  throw clientError('invalid_response', 'the server answered with something that is not a generation');
}

/**
 * The error envelope in a failed response's body, or null if it has none.
 * @example
 * const envelope = parseErrorEnvelope(await response.json()); // envelope?.error.code
 */
export function parseErrorEnvelope(value: unknown): ErrorEnvelope | null {
  if (!hasFields(value, { error: 'o' }) || !hasFields(value.error, { code: 's', message: 's', type: 's' })) {
    return null;
  }
  return value as unknown as ErrorEnvelope;
}

/**
 * Where a generation was served, from the edge's response headers. `x-spillway-warnings` lists
 * the warnings joined by "; " (the edge strips line breaks from each).
 * @example
 * servedBy(response.headers).warnings; // ['quality is not supported by spillway-tiny and was ignored']
 */
export function servedBy(headers: Headers): ServedBy {
  const warnings = headers.get('x-spillway-warnings');
  return {
    requestId: headers.get('x-request-id'),
    poolId: headers.get('x-spillway-pool'),
    providerId: headers.get('x-spillway-provider'),
    warnings: warnings === null || warnings === '' ? [] : warnings.split('; '),
  };
}
