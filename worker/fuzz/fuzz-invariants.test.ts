import { describe, expect, it } from 'vitest';
import { errorEnvelope, healthSchema } from '../../shared/index.ts';
import type { FuzzRequest } from './testing/fuzz-request.ts';
import { operationAt } from './testing/operation-match.ts';
import { checkAnswer, InvariantViolation } from './testing/response-invariants.ts';
import type { FuzzOperation } from './testing/route-catalog.ts';

const request: FuzzRequest = { method: 'GET', target: '/healthz', headers: [], body: null };

function operation(overrides: Partial<FuzzOperation> = {}): FuzzOperation {
  return {
    method: 'GET',
    path: '/healthz',
    documented: true,
    parameters: [],
    body: null,
    credentials: [],
    statuses: new Set([200, 401, 503]),
    successes: new Map([[200, { mediaType: 'application/json', schema: healthSchema }]]),
    ...overrides,
  };
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'x-request-id': 'req-1', ...headers } });
}

describe('fuzz invariants: the checker refuses what the edge must never answer', () => {
  it('fuzz invariants: accepts an envelope and a documented success', async () => {
    await checkAnswer(operation(), request, answer(401, errorEnvelope('missing_credentials', 'no', 'req-1')));
    await checkAnswer(operation(), request, answer(200, { status: 'ok' }));
    const shed = answer(503, errorEnvelope('no_capacity', 'busy', 'req-1'), { 'retry-after': '1' });
    await checkAnswer(operation(), request, shed);
  });

  it('fuzz invariants: refuses a 500 even in the envelope, and a 503 without Retry-After', async () => {
    const crash = answer(500, errorEnvelope('internal_error', 'boom', 'req-1'));
    await expect(checkAnswer(operation(), request, crash)).rejects.toThrow(InvariantViolation);
    const shed = answer(503, errorEnvelope('no_capacity', 'busy', 'req-1'));
    await expect(checkAnswer(operation(), request, shed)).rejects.toThrow(/Retry-After/);
    const undocumented = answer(503, errorEnvelope('no_capacity', 'busy', 'req-1'), { 'retry-after': '1' });
    await expect(checkAnswer(undefined, request, undocumented)).rejects.toThrow(/server error/);
  });

  it('fuzz invariants: refuses an error outside the envelope, a stray id and a miscatalogued status', async () => {
    const plain = new Response('Not Found', { status: 404, headers: { 'x-request-id': 'req-1' } });
    await expect(checkAnswer(operation(), request, plain)).rejects.toThrow(/not the envelope/);
    const otherId = answer(401, errorEnvelope('missing_credentials', 'no', 'req-2'));
    await expect(checkAnswer(operation(), request, otherId)).rejects.toThrow(/request_id/);
    const wrongStatus = answer(400, errorEnvelope('missing_credentials', 'no', 'req-1'));
    await expect(checkAnswer(operation(), request, wrongStatus)).rejects.toThrow(/catalogued/);
  });

  it('fuzz invariants: refuses a success off its documented shape or status', async () => {
    await expect(checkAnswer(operation(), request, answer(200, { status: 'up' }))).rejects.toThrow(/schema/);
    await expect(checkAnswer(operation(), request, answer(201, { status: 'ok' }))).rejects.toThrow(
      /document/,
    );
  });

  it('fuzz invariants: a request lands on the route its resolved path and method name', () => {
    const jobs = operation({ path: '/v1/jobs/{id}' });
    const events = operation({ path: '/v1/jobs/{id}/events' });
    const operations = [jobs, events];
    expect(operationAt(operations, 'GET', 'http://edge.test/v1/jobs/job_1')).toBe(jobs);
    expect(operationAt(operations, 'HEAD', 'http://edge.test/v1/jobs/x/../job_1/events')).toBe(events);
    expect(operationAt(operations, 'GET', 'http://edge.test/v1/jobs/')).toBeUndefined();
    expect(operationAt(operations, 'POST', 'http://edge.test/v1/jobs/job_1')).toBeUndefined();
  });
});
