import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, type GenerationResponse } from '../../shared/index.ts';
import type { Admitted } from '../admission/tenant-admission.ts';
import type { AppEnv } from '../app-env.ts';
import { publicOriginOf } from '../config.ts';
import { failureToApiError } from '../dispatch/dispatch-errors.ts';
import { routeAndDispatch } from '../dispatch/route-and-dispatch.ts';
import { tenantRequest } from '../dispatch/tenant-request.ts';
import { storeImages } from '../jobs/result-store.ts';
import { signedResultUrls } from '../jobs/result-urls.ts';
import { access } from '../middleware/access.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import { bodyErrors, errorResponses, jsonBody, jsonResponse, routeGroup, schemas } from '../openapi/index.ts';
import { streamCompletedImages } from './image-stream.ts';
import { edgeWarnings } from './request-warnings.ts';
import { serverTimingOf } from './server-timing.ts';

/** Time budget of a request that does not set `deadline_ms`. */
const DEFAULT_DEADLINE_MS = 60_000;

const createImage = createRoute({
  method: 'post',
  path: '/v1/images/generations',
  operationId: 'createImage',
  tags: ['Images'],
  summary: 'Generate images and wait for them (OpenAI Images compatible)',
  description:
    'Routed to the GPU pool expected to finish soonest. Fields no pool can honour come back as warnings. ' +
    'With `stream: true` the answer is `text/event-stream`: one `image_generation.completed` event per ' +
    'image (OpenAI image streaming), sent when all are done; errors before that are the usual envelope. ' +
    'For long generations on mobile, use the jobs API instead.',
  ...access('tenant'),
  request: { body: jsonBody(schemas.generationRequest) },
  responses: {
    200: withEventStream(
      jsonResponse(schemas.generationResponse, 'The generated images.', [
        'x-spillway-pool',
        'x-spillway-provider',
        'x-spillway-warnings',
        'ratelimit-policy',
        'ratelimit',
        'server-timing',
      ]),
    ),
    ...errorResponses('tenant', [
      ...bodyErrors,
      'unsupported_value',
      'model_not_found',
      'rate_limited',
      'upstream_failed',
      'no_capacity',
      'deadline_exceeded',
    ]),
  },
});

/**
 * `POST /v1/images/generations`: the OpenAI Images endpoint, routed to the pool that finishes
 * soonest. `response_format: "url"` stores the images in R2 and answers short-lived signed URLs.
 */
export const generationRoutes = routeGroup<AppEnv>();

openapiWithJsonBody(
  generationRoutes,
  createImage,
  async (context) => {
    const principal = context.get('principal');
    if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
    const parsed = context.req.valid('json');
    if (parsed.stream && parsed.response_format === 'url') {
      throw new ApiError(
        'unsupported_value',
        'streamed images carry b64_json; response_format "url" cannot be streamed',
        {
          param: 'response_format',
        },
      );
    }
    const { tenant } = principal;
    const { deps } = context.var;
    const request = tenantRequest(parsed, tenant, deps.config.defaultModel);
    const { observation } = context.var;
    observation.model = request.model ?? null;
    const startedAt = deps.now();
    const deadlineMs = request.deadline_ms ?? DEFAULT_DEADLINE_MS;
    // A tenant known to be over a rate limit: 429 before any routing. Otherwise the limiter is asked
    // once the fleet has room (a request shed for capacity takes no quota); its concurrency slot is
    // held until the answer is made.
    deps.admission.refuseKnownOverLimit(tenant.id, request.n);
    const held: { admitted?: Admitted } = {};
    const admit = async () => {
      const admitted = await deps.admission.admit(tenant, request.n, deadlineMs, (promise) =>
        context.executionCtx.waitUntil(promise),
      );
      held.admitted = admitted;
      observation.admission = admitted.source;
      for (const [name, value] of Object.entries(admitted.headers)) context.header(name, value);
    };
    let outcome: Awaited<ReturnType<typeof routeAndDispatch>>;
    let firstCallAt: number | undefined;
    try {
      outcome = await routeAndDispatch({
        services: deps,
        tenant,
        request,
        // The pools' idempotency key is the edge's own, never the client's `x-request-id` (a
        // correlation id only): a caller must not be able to name, join or cancel another's job.
        jobId: syncJobId(),
        deadlineAt: startedAt + deadlineMs,
        waitUntil: (promise) => context.executionCtx.waitUntil(promise),
        // A client that hangs up cancels its generation at the pool (or before it starts there).
        signal: context.req.raw.signal,
        observe: observation,
        admit,
        mayTie: true,
        onStart: () => {
          firstCallAt ??= deps.now();
        },
      });
      observation.dispatched(outcome);
    } finally {
      if (held.admitted) context.executionCtx.waitUntil(held.admitted.release());
    }
    if (!outcome.ok) {
      if (outcome.error === 'model_not_found') {
        throw new ApiError('model_not_found', `no pool serves model ${request.model ?? ''}`, {
          param: 'model',
        });
      }
      throw failureToApiError(outcome.error);
    }
    context.header('x-spillway-pool', outcome.poolId);
    context.header('x-spillway-provider', outcome.providerId);
    // Options the serving provider could not honour (an OpenAI API takes no `steps`, …): told, never
    // silently dropped. A header, so the OpenAI-shaped body stays exactly OpenAI's.
    const warnings = [
      ...outcome.result.warnings,
      ...edgeWarnings(parsed, context.get('ignoredFields') ?? []),
    ].map((warning) => warning.replace(/[\r\n]+/g, ' ').trim());
    if (warnings.length > 0) context.header('x-spillway-warnings', warnings.join('; '));
    const { spillway: details, ...openAi } = outcome.result.response;
    const beforePoolMs = firstCallAt === undefined ? undefined : firstCallAt - startedAt;
    context.header('server-timing', serverTimingOf(details, deps.now() - startedAt, beforePoolMs));
    // Resource Timing shows these figures to the calling page too, whatever its origin.
    context.header('timing-allow-origin', '*');
    const created = Math.floor(startedAt / 1000);
    if (parsed.stream) {
      const size = details?.size ?? request.size ?? 'auto';
      return streamCompletedImages(context, openAi.data, {
        size,
        quality: request.quality ?? 'auto',
        createdAt: created,
      });
    }
    if (request.response_format !== 'url') return context.json({ ...openAi, created }, 200);
    return context.json({ created, data: await storeAsUrls(context, openAi.data) }, 200);
  },
  { openAi: true },
);

async function storeAsUrls(
  context: Context<AppEnv>,
  images: GenerationResponse['data'],
): Promise<GenerationResponse['data']> {
  const { config, now: clock } = context.var.deps;
  const settings = config.jobs;
  const resultId = `img_${crypto.randomUUID().replaceAll('-', '')}`;
  const now = clock();
  const expiresAt = now + settings.resultRetentionMs;
  await storeImages(context.env.RESULTS, resultId, images, expiresAt);
  const urls = await signedResultUrls({
    edgeSigningKey: config.edgeSigningKey,
    origin: publicOriginOf(config, context.req.url),
    resultId,
    count: images.length,
    nowMs: now,
    ttlSeconds: settings.resultUrlTtlSeconds,
    expiresAt,
  });
  return images.map(({ b64_json: _bytes, ...image }, index) => ({ ...image, url: urls[index] ?? '' }));
}

/** A fresh pool job id for one synchronous request: 122 random bits, unguessable and unique. */
function syncJobId(): string {
  return `gen_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** The 200 of `createImage` with its `stream: true` form beside the JSON one. */
function withEventStream<Response extends { content: Record<string, unknown> }>(response: Response) {
  return {
    ...response,
    content: {
      ...response.content,
      'text/event-stream': {
        schema: {
          type: 'string' as const,
          description:
            'With `stream: true`: `event: image_generation.completed`, `data:` {type, b64_json, created_at, size, quality, background, output_format}, one per image',
        },
      },
    },
  };
}
