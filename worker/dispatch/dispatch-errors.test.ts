import { describe, expect, it } from 'vitest';
import { BackendCallError } from '../../backends/index.ts';
import { providerAnswerError } from '../../backends/provider-kit/index.ts';
import { noObservations } from '../routing/index.ts';
import { now, policy, pool, request } from '../testing/routing-fixtures.ts';
import { attemptOutcome } from './attempt-outcome.ts';
import { failureToApiError } from './dispatch-errors.ts';
import { noPoolNow, orNoPoolNow } from './no-pool-now.ts';

function providerAnswered(status: number, retryAfter?: string) {
  return providerAnswerError({
    provider: 'replicate',
    status,
    headers: new Headers(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
    token: 'r8_secret',
    jobId: 'job_1',
    now: Date.now(),
    otherRefusals: 'pool',
  });
}

describe('failureToApiError', () => {
  it('an answer past what the edge takes in one is the request’s 400 on n, and no pool’s failure', () => {
    const tooLarge = new BackendCallError({
      message: 'the answer of http://pool is over 33554432 bytes, the most the edge takes in one answer',
      status: 200,
      code: 'answer_too_large',
      retryable: false,
      workStarted: true,
    });
    const api = failureToApiError(tooLarge);
    expect([api.status, api.code, api.param]).toEqual([400, 'unsupported_value', 'n']);
    expect(api.message).toContain('32 MiB');
    expect(api.message).not.toContain('http://pool');
    expect(attemptOutcome(tooLarge)).toBe('rejected');
  });

  it("a provider's 503 or 429 is the client's 503 no_capacity with the provider's Retry-After", () => {
    for (const status of [503, 429]) {
      const error = failureToApiError(providerAnswered(status, '5'));
      expect([status, error.code, error.headers['retry-after']]).toEqual([status, 'no_capacity', '5']);
    }
  });

  it("a provider's 500 stays 502 upstream_failed", () => {
    expect(failureToApiError(providerAnswered(500)).code).toBe('upstream_failed');
  });

  it('with no pool able to take it now, Retry-After is the time until the first one is back', () => {
    const backedOff = [pool('p', { suspectUntil: now + 29_500 })];
    const error = failureToApiError(noPoolNow(backedOff, request, noObservations, policy, now));
    expect([error.status, error.code, error.headers['retry-after']]).toEqual([503, 'no_capacity', '30']);
    expect(error.message).toBe('no pool can take this request right now');
    // A pool out for a reason with no known end: a short wait.
    const draining = [pool('p', { draining: true })];
    expect(
      failureToApiError(noPoolNow(draining, request, noObservations, policy, now)).headers['retry-after'],
    ).toBe('2');
  });

  it('a dispatch every pool refused (429, 503, 401/403) answers when the first held pool is back', () => {
    // One provider asked for an hour, the other is back in 3 s: the client hears 3, not 3600.
    const fleet = [pool('p', { suspectUntil: now + 3_600_000 }), pool('q', { suspectUntil: now + 2_500 })];
    const noPool = () => noPoolNow(fleet, request, noObservations, policy, now);
    const failed = (status: number) => ({
      ok: false as const,
      error: providerAnswered(status, '3600'),
      attempts: [],
    });
    for (const status of [429, 503, 401, 403]) {
      const outcome = orNoPoolNow(failed(status), noPool);
      if (outcome.ok || typeof outcome.error === 'string') throw new Error('expected a pool error');
      const error = failureToApiError(outcome.error);
      expect([status, error.status, error.code, error.headers['retry-after']]).toEqual([
        status,
        503,
        'no_capacity',
        '3',
      ]);
    }
    // A pool that took the request and failed it is not a refusal: its own answer stands.
    const broke = orNoPoolNow(failed(500), noPool);
    expect(!broke.ok && typeof broke.error !== 'string' && broke.error.status).toBe(500);
  });
});
