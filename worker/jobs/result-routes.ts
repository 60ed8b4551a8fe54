import { Hono } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { verifyResultGrant } from '../auth/result-url-signature.ts';
import { resultIdPattern, resultKey } from './result-store.ts';

const INDEX = /^\d$/;
const EXPIRES = /^\d{1,12}$/;

/**
 * `GET /v1/results/:job_id/:index?expires=<unix s>&signature=<base64url HMAC>`: one stored image.
 * The signed URL is the credential (no Authorization header, so `<img src>` works): a tampered
 * or unsigned URL is 403 `invalid_signature`, an expired one 403 `url_expired`, an image past
 * its retention 404 `not_found`.
 */
export const resultRoutes = new Hono<AppEnv>().get('/v1/results/:job_id/:index', async (context) => {
  const resultId = context.req.param('job_id');
  const index = context.req.param('index');
  const expires = context.req.query('expires') ?? '';
  const signature = context.req.query('signature') ?? '';
  if (!resultIdPattern.test(resultId) || !INDEX.test(index) || !EXPIRES.test(expires) || signature === '') {
    throw new ApiError('invalid_signature', 'this result URL is not validly signed');
  }
  const grant = { resultId, index: Number(index), expires: Number(expires) };
  const { config, now } = context.var.deps;
  const problem = await verifyResultGrant(config.edgeSigningKey, grant, signature, now() / 1000);
  if (problem === 'bad_signature')
    throw new ApiError('invalid_signature', 'this result URL is not validly signed');
  if (problem === 'expired')
    throw new ApiError('url_expired', 'this result URL has expired; fetch the job again');
  const object = await context.env.RESULTS.get(resultKey(resultId, grant.index));
  const deleteAt = Number(object?.customMetadata?.expires_at ?? 0);
  if (object === null || deleteAt <= Date.now()) {
    throw new ApiError('not_found', 'this result is no longer stored');
  }
  const maxAge = Math.max(0, grant.expires - Math.floor(Date.now() / 1000));
  return new Response(object.body, {
    headers: {
      'content-type': 'image/png',
      'content-length': String(object.size),
      'cache-control': `private, max-age=${maxAge}`,
      etag: object.httpEtag,
      'x-content-type-options': 'nosniff',
    },
  });
});
