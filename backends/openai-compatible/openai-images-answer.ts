import type { PiggybackedLoad } from '../../shared/index.ts';
import type { BackendCallError } from '../backend-call-error.ts';
import { asRecord, providerAnswerError } from '../provider-kit/index.ts';

/** One image of an OpenAI Images answer: `b64_json`, or a `url` to fetch it from. */
export interface OpenAiImage {
  readonly b64_json?: string;
  readonly url?: string;
  readonly revised_prompt?: string;
}

/**
 * An OpenAI Images answer (`{ created, data }`), checked by hand like gpu-node's. Its `created` is
 * not kept: the result's is the edge's clock.
 */
export interface OpenAiImagesAnswer {
  readonly data: readonly OpenAiImage[];
}

/** A count in a rate-limit header: plain digits. */
const COUNT = /^\d{1,9}$/;

/**
 * The answer's images, or null when the body is not an Images answer. An image needs a non-empty
 * `b64_json` or an http(s) `url`.
 */
export function readImagesAnswer(answer: unknown): OpenAiImagesAnswer | null {
  const body = asRecord(answer);
  if (!body || !Array.isArray(body.data) || body.data.length === 0) return null;
  const data: OpenAiImage[] = [];
  for (const element of body.data as unknown[]) {
    const item = asRecord(element);
    if (!item) return null;
    const b64 = typeof item.b64_json === 'string' && item.b64_json !== '' ? item.b64_json : undefined;
    const url = typeof item.url === 'string' && /^https?:\/\//.test(item.url) ? item.url : undefined;
    if (b64 === undefined && url === undefined) return null;
    data.push({
      ...(b64 === undefined ? { url } : { b64_json: b64 }),
      ...(typeof item.revised_prompt === 'string' ? { revised_prompt: item.revised_prompt } : {}),
    });
  }
  return { data };
}

/**
 * Load from OpenAI's documented rate-limit headers (`x-ratelimit-limit-requests`,
 * `x-ratelimit-remaining-requests`), as saturation of the provider's request allowance: `slots`
 * is the limit and `running` the requests already spent in the current window, so
 * `running === slots` means the next request gets a 429. Nothing is queued at the edge's
 * account (`queued` 0). Null when either header is absent or malformed.
 */
export function rateLimitLoad(headers: Headers): PiggybackedLoad | null {
  const limit = headers.get('x-ratelimit-limit-requests');
  const remaining = headers.get('x-ratelimit-remaining-requests');
  if (limit === null || remaining === null || !COUNT.test(limit) || !COUNT.test(remaining)) return null;
  const slots = Number(limit);
  if (slots === 0) return null;
  return { queued: 0, running: Math.max(0, slots - Number(remaining)), slots, draining: false };
}

/** The {@link BackendCallError} for a non-2xx answer with OpenAI's `{ error: { message, type, param, code } }`. */
export function openAiErrorAnswer(
  response: Response,
  body: unknown,
  context: { readonly token: string; readonly jobId: string; readonly now: number },
): BackendCallError {
  const error = asRecord(asRecord(body)?.error) ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return providerAnswerError({
    provider: 'openai-compatible',
    status: response.status,
    headers: response.headers,
    detail: text(error.message),
    code: text(error.code),
    type: text(error.type),
    param: text(error.param),
    token: context.token,
    jobId: context.jobId,
    load: rateLimitLoad(response.headers),
    now: context.now,
    otherRefusals: 'request',
  });
}
