import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { verifyResultGrant } from '../auth/result-url-signature.ts';
import { access } from '../middleware/access.ts';
import { errorResponses, mediaResponse, refuseWith, routeGroup } from '../openapi/index.ts';
import { resultIdPattern, resultKey } from './result-store.ts';

const getResultImage = createRoute({
  method: 'get',
  path: '/v1/results/{job_id}/{index}',
  operationId: 'getResultImage',
  tags: ['Jobs'],
  summary: 'One generated image by its short-lived signed URL',
  description: 'The URL is the credential (no Authorization header), so it works in `<img src>`.',
  ...access('signedUrl'),
  request: {
    params: z.object({
      job_id: z.string().regex(resultIdPattern).describe('The stored result’s id.'),
      index: z.string().regex(/^\d$/).describe('Image index within the result (0-9).'),
    }),
    query: z.object({
      // One spelling per URL (no leading zeros, no padding): another spelling of the same grant
      // would be another cache entry in browsers and CDNs for the same image.
      expires: z
        .string()
        .regex(/^[1-9]\d{0,11}$/)
        .describe('Unix seconds when the URL stops working.'),
      signature: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .describe('base64url HMAC of the grant (unpadded).'),
    }),
  },
  responses: {
    200: mediaResponse('image/png', { type: 'string', contentMediaType: 'image/png' }, 'The PNG.'),
    304: { description: 'Not modified: the `If-None-Match` sent names this image’s `ETag`.' },
    ...errorResponses('signedUrl', ['invalid_signature', 'url_expired', 'not_found']),
  },
});

const badSignature = () => new ApiError('invalid_signature', 'this result URL is not validly signed');

/**
 * `GET /v1/results/:job_id/:index?expires=<unix s>&signature=<base64url HMAC>`: one stored image.
 * The signed URL is the credential (no Authorization header, so `<img src>` works): a malformed,
 * tampered or unsigned URL is 403 `invalid_signature`, an expired one 403 `url_expired`, an
 * image past its retention 404 `not_found`.
 */
export const resultRoutes = routeGroup<AppEnv>().openapi(
  getResultImage,
  async (context) => {
    const { job_id: resultId, index } = context.req.valid('param');
    const { expires, signature } = context.req.valid('query');
    const grant = { resultId, index: Number(index), expires: Number(expires) };
    const { config, now } = context.var.deps;
    const problem = await verifyResultGrant(config.edgeSigningKeys, grant, signature, now() / 1000);
    if (problem === 'bad_signature') throw badSignature();
    if (problem === 'expired')
      throw new ApiError('url_expired', 'this result URL has expired; fetch the job again');
    // Only If-None-Match is passed on: a browser revalidating an image it holds gets a 304.
    const ifNoneMatch = context.req.header('if-none-match');
    const onlyIf = ifNoneMatch === undefined ? undefined : new Headers({ 'if-none-match': ifNoneMatch });
    const object = await context.env.RESULTS.get(resultKey(resultId, grant.index), { onlyIf });
    const deleteAt = Number(object?.customMetadata?.expires_at ?? 0);
    if (object === null || deleteAt <= Date.now()) {
      throw new ApiError('not_found', 'this result is no longer stored');
    }
    const maxAge = Math.max(0, grant.expires - Math.floor(Date.now() / 1000));
    const headers = {
      'cache-control': `private, max-age=${maxAge}`,
      etag: object.httpEtag,
      'x-content-type-options': 'nosniff',
    };
    // Through the context, so the headers every answer carries (`x-request-id`) are kept.
    if (!('body' in object)) return context.body(null, 304, headers);
    return context.body(object.body, 200, {
      ...headers,
      'content-type': 'image/png',
      'content-length': String(object.size),
    });
  },
  // A malformed URL is refused like a forged one, so nobody learns which part was wrong.
  refuseWith(badSignature),
);
