import type { ParameterSpec, RouteSpec } from './route-spec.ts';

const jobId = { id: 'The job id (`job_…`).' };
const authErrors = ['missing_credentials', 'invalid_credentials', 'insufficient_scope'] as const;
const bodyErrors = [
  'invalid_json',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
] as const;

const idempotencyKey: ParameterSpec = {
  name: 'Idempotency-Key',
  in: 'header',
  description:
    'Any unique string (a UUID). The same key with the same body returns the original job and never ' +
    'dispatches twice; the same key with another body is 422 `idempotency_key_mismatch`.',
  schema: { type: 'string', maxLength: 255 },
};

/** The public API apps call, the pool heartbeat route and the reference itself. */
export const publicRoutes: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Meta',
    summary: 'Liveness of the edge Worker',
    security: 'none',
    responses: { 200: { description: 'The Worker is up.', body: 'Health' } },
    errors: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'Meta',
    summary: 'This OpenAPI 3.1 document',
    security: 'none',
    responses: {
      200: {
        description: 'The document.',
        body: { mediaType: 'application/json', schema: { type: 'object' } },
      },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiReference',
    tag: 'Meta',
    summary: 'Interactive API reference (HTML, works offline)',
    security: 'none',
    responses: {
      200: {
        description: 'An HTML page rendering /openapi.json.',
        body: { mediaType: 'text/html', schema: { type: 'string' } },
      },
    },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/images/generations',
    operationId: 'createImage',
    tag: 'Images',
    summary: 'Generate images and wait for them (OpenAI Images compatible)',
    description:
      'Routed to the GPU pool expected to finish soonest. Fields no pool can honour come back as warnings. ' +
      'For long generations on mobile, use the jobs API instead.',
    security: 'tenant',
    requestBody: 'GenerationRequest',
    responses: {
      200: {
        description: 'The generated images.',
        body: 'GenerationResponse',
        headers: ['x-spillway-pool', 'x-spillway-provider'],
      },
    },
    errors: [
      ...bodyErrors,
      'unsupported_value',
      ...authErrors,
      'model_not_found',
      'rate_limited',
      'upstream_failed',
      'no_capacity',
      'deadline_exceeded',
    ],
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'Images',
    summary: 'Models some pool can serve now (OpenAI list shape)',
    security: 'tenant',
    responses: { 200: { description: 'The servable models.', body: 'ModelList' } },
    errors: [...authErrors],
  },
  {
    method: 'post',
    path: '/v1/jobs',
    operationId: 'createJob',
    tag: 'Jobs',
    summary: 'Submit an async generation job',
    description:
      'Answers 202 at once. Follow the job with `GET /v1/jobs/{id}` (long-poll), its SSE events, or a ' +
      '`webhook` (signed with the tenant webhook secret, Standard Webhooks headers).',
    security: 'tenant',
    parameters: [idempotencyKey],
    requestBody: 'JobSubmitRequest',
    responses: {
      202: {
        description: 'The job, usually `queued`.',
        body: 'JobResource',
        headers: ['location', 'idempotent-replayed'],
      },
    },
    errors: [
      ...bodyErrors,
      'unsupported_value',
      ...authErrors,
      'idempotency_key_mismatch',
      'rate_limited',
      'no_capacity',
    ],
  },
  {
    method: 'get',
    path: '/v1/jobs/:id',
    operationId: 'getJob',
    tag: 'Jobs',
    summary: 'Read a job; long-poll with `Prefer: wait=N`',
    security: 'tenant',
    pathParameters: jobId,
    parameters: [
      {
        name: 'Prefer',
        in: 'header',
        description: '`wait=N` (RFC 7240): hold the answer up to N seconds (at most 60) until the job ends.',
        schema: { type: 'string', pattern: '^wait=\\d+$' },
      },
    ],
    responses: { 200: { description: 'The job.', body: 'JobResource', headers: ['preference-applied'] } },
    errors: [...authErrors, 'job_not_found'],
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/events',
    operationId: 'streamJobEvents',
    tag: 'Jobs',
    summary: 'Server-Sent Events of the job’s states',
    description:
      'Each event is named after the status, its `data` is the whole JobResource and its `id` the job ' +
      'version. `Last-Event-ID: N` resumes with the first version after N. The stream ends after a terminal ' +
      'status. Mobile apps: there is no EventSource on iOS/Android/React Native; long-poll instead.',
    security: 'tenant',
    pathParameters: jobId,
    parameters: [
      {
        name: 'Last-Event-ID',
        in: 'header',
        description: 'The last event id seen.',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
    ],
    responses: {
      200: {
        description: 'An event stream.',
        body: {
          mediaType: 'text/event-stream',
          schema: {
            type: 'string',
            description:
              'event: <status>, id: <version>, data: <JobResource JSON>; blank line between events',
          },
        },
      },
    },
    errors: [...authErrors, 'job_not_found'],
  },
  {
    method: 'delete',
    path: '/v1/jobs/:id',
    operationId: 'cancelJob',
    tag: 'Jobs',
    summary: 'Cancel a job, queued or running',
    security: 'tenant',
    pathParameters: jobId,
    responses: {
      200: {
        description: 'The job as cancellation left it (a finished job is unchanged).',
        body: 'JobResource',
      },
    },
    errors: [...authErrors, 'job_not_found'],
  },
  {
    method: 'get',
    path: '/v1/results/:job_id/:index',
    operationId: 'getResultImage',
    tag: 'Jobs',
    summary: 'One generated image by its short-lived signed URL',
    description: 'The URL is the credential (no Authorization header), so it works in `<img src>`.',
    security: 'none',
    pathParameters: { job_id: 'The stored result’s id.', index: 'Image index within the result (0-9).' },
    parameters: [
      {
        name: 'expires',
        in: 'query',
        required: true,
        description: 'Unix seconds when the URL stops working.',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
      { name: 'signature', in: 'query', required: true, description: 'base64url HMAC of the grant.' },
    ],
    responses: {
      200: {
        description: 'The PNG.',
        body: { mediaType: 'image/png', schema: { type: 'string', contentMediaType: 'image/png' } },
      },
    },
    errors: ['invalid_signature', 'url_expired', 'not_found'],
  },
  {
    method: 'get',
    path: '/v1/webhooks/secret',
    operationId: 'getWebhookSecret',
    tag: 'Jobs',
    summary: 'The tenant’s webhook signing secret',
    description:
      'Verify `webhook-signature` = `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` ' +
      'keyed with the base64-decoded part after `whsec_`. Server-side callers only.',
    security: 'tenant',
    responses: { 200: { description: 'The secret.', body: 'WebhookSecret' } },
    errors: [...authErrors],
  },
  {
    method: 'post',
    path: '/v1/pools/:id/telemetry',
    operationId: 'pushPoolTelemetry',
    tag: 'Pools',
    summary: 'A pool’s signed telemetry heartbeat',
    description:
      'The body is a JWT (`typ: spillway-heartbeat+jwt`) signed with the key registered for this pool, whose ' +
      '`telemetry` claim is a TelemetryReport. The signature is the credential.',
    security: 'none',
    pathParameters: { id: 'The pool id.' },
    requestBody: { mediaType: 'application/jwt', description: 'The heartbeat token.' },
    responses: { 204: { description: 'Accepted.' } },
    errors: ['payload_too_large', 'invalid_credentials', 'not_found'],
  },
];
