import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { access } from '../middleware/access.ts';
import {
  bodyErrors,
  errorResponses,
  jsonBody,
  jsonResponse,
  mediaResponse,
  schemas,
} from '../openapi/index.ts';

// The async jobs API's OpenAPI route definitions; `job-routes.ts` serves them.

const tenantOnly = { tags: ['Jobs'], ...access('tenant') };
// Any string: a malformed id names no job, and is answered like a missing one (404).
const jobIdParam = z.object({ id: z.string().describe('The job id (`job_…`).') });
const jobErrors = errorResponses('tenant', ['job_not_found']);

/** The `createJob` route's contract. */
export const createJob = createRoute({
  ...tenantOnly,
  method: 'post',
  path: '/v1/jobs',
  operationId: 'createJob',
  summary: 'Submit an async generation job',
  description:
    'Answers 202 at once. Follow the job with `GET /v1/jobs/{id}` (long-poll), its SSE events, or a ' +
    '`webhook` (signed with the tenant webhook secret, Standard Webhooks headers).',
  // Read by the handler (job-submission.ts), which also refuses a malformed key, after the body.
  parameters: [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Any unique string (a UUID). The same key with the same body returns the original job and never ' +
        'dispatches twice; the same key with another body is 422 `idempotency_key_mismatch`.',
      schema: { type: 'string', maxLength: 255 },
    },
  ],
  request: { body: jsonBody(schemas.jobSubmitRequest) },
  responses: {
    202: jsonResponse(schemas.jobResource, 'The job, usually `queued`.', [
      'location',
      'idempotent-replayed',
      'ratelimit-policy',
      'ratelimit',
    ]),
    ...errorResponses('tenant', [
      ...bodyErrors,
      'unsupported_value',
      'idempotency_key_mismatch',
      'rate_limited',
      'no_capacity',
    ]),
  },
});

/** The `getJob` route's contract. */
export const getJob = createRoute({
  ...tenantOnly,
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  summary: 'Read a job; long-poll with `Prefer: wait=N`',
  description:
    'The `ETag` is the job’s version. With `If-None-Match` naming it, `Prefer: wait=N` holds the answer ' +
    'until the job changes (a progress step, a status), not until it ends: long-polling clients (React ' +
    'Native, which has no streaming) see every state the event stream would show; 304 if nothing ' +
    'changed within N seconds.',
  // RFC 7240: a malformed preference is ignored, so the header is read leniently (prefer-wait.ts).
  parameters: [
    {
      name: 'Prefer',
      in: 'header',
      required: false,
      description:
        '`wait=N` (RFC 7240): hold the answer up to N seconds (at most 60) until the job ends, or with ' +
        '`If-None-Match` until it changes.',
      schema: { type: 'string', pattern: '^wait=\\d+$' },
    },
    {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'The `ETag` of the state the client holds: answered 304 while the job is still in it.',
      schema: { type: 'string' },
    },
  ],
  request: { params: jobIdParam },
  responses: {
    200: jsonResponse(schemas.jobResource, 'The job.', ['preference-applied', 'etag']),
    304: {
      description:
        'The job is still in the state `If-None-Match` names (after waiting, with `Prefer: wait`).',
    },
    ...jobErrors,
  },
});

/** The `streamJobEventsRoute` route's contract. */
export const streamJobEventsRoute = createRoute({
  ...tenantOnly,
  method: 'get',
  path: '/v1/jobs/{id}/events',
  operationId: 'streamJobEvents',
  summary: 'Server-Sent Events of the job’s states',
  description:
    'Each event is named after the status, its `data` is the whole JobResource and its `id` the job ' +
    'version. `Last-Event-ID: N` resumes with the first version after N. The stream ends after a terminal ' +
    'status. Mobile apps: there is no EventSource on iOS/Android/React Native; long-poll instead.',
  parameters: [
    {
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'The last event id seen.',
      schema: { type: 'string', pattern: '^\\d+$' },
    },
  ],
  request: { params: jobIdParam },
  responses: {
    200: mediaResponse(
      'text/event-stream',
      {
        type: 'string',
        description: 'event: <status>, id: <version>, data: <JobResource JSON>; blank line between events',
      },
      'An event stream.',
    ),
    ...jobErrors,
  },
});

/** The `cancelJob` route's contract. */
export const cancelJob = createRoute({
  ...tenantOnly,
  method: 'delete',
  path: '/v1/jobs/{id}',
  operationId: 'cancelJob',
  summary: 'Cancel a job, queued or running',
  request: { params: jobIdParam },
  responses: {
    200: jsonResponse(schemas.jobResource, 'The job as cancellation left it (a finished job is unchanged).'),
    ...jobErrors,
  },
});
