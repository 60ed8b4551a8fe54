import { errorEnvelopeSchema, type PiggybackedLoad, parseLoadHeaders } from '../../shared/index.ts';
import type { BackendResult } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { httpFailureError, parseRetryAfter } from '../failure-policy.ts';
import { isPngBase64 } from '../provider-kit/index.ts';
import { asGenerationResponse } from './generation-answer-body.ts';

const MS_PER_SECOND = 1_000;

/**
 * Turns a pool's answer to `POST /v1/generate` into a result, or throws the
 * {@link BackendCallError} it amounts to. A 2xx whose body is not a complete generation response
 * (wrong shape, missing images) or holds an image that is not a PNG is the pool's failure, not a
 * success. `created` is the edge's clock (`now`), as with every other adapter: the pool's own
 * clock is not one the edge vouches for. `load` where the answer's headers are not the freshest
 * figures (a streamed answer's).
 */
export function readGenerateAnswer(
  response: Response,
  text: string,
  images: number,
  now: number,
  load: PiggybackedLoad | null = parseLoadHeaders(response.headers),
): BackendResult {
  if (!response.ok) throw errorAnswer(response, text, now, load);
  const parsed = asGenerationResponse(parseJson(text), images);
  if (!parsed) throw malformed(response, 'a body that is not a complete generation response', load);
  if (!parsed.data.every((image) => image.b64_json !== undefined && isPngBase64(image.b64_json))) {
    throw malformed(response, 'an image that is not a PNG', load);
  }
  return {
    response: { ...parsed, created: Math.floor(now / MS_PER_SECOND) },
    load,
    warnings: parsed.spillway?.warnings ?? [],
  };
}

function malformed(response: Response, what: string, load: PiggybackedLoad | null): BackendCallError {
  return new BackendCallError({
    message: `pool answered ${response.status} with ${what}`,
    status: response.status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
    load,
  });
}

/**
 * The {@link BackendCallError} for a pool's non-2xx answer, envelope and `Retry-After` read; `load`
 * where the answer's headers are not the freshest figures (a streamed answer's).
 */
export function errorAnswer(
  response: Response,
  text: string,
  now: number,
  load: PiggybackedLoad | null = parseLoadHeaders(response.headers),
): BackendCallError {
  const envelope = errorEnvelopeSchema.safeParse(parseJson(text));
  return httpFailureError({
    status: response.status,
    envelope: envelope.success ? envelope.data : null,
    retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after'), now),
    load,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
