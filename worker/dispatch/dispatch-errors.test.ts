import { describe, expect, it } from 'vitest';
import { providerAnswerError } from '../../backends/provider-kit/index.ts';
import { failureToApiError } from './dispatch-errors.ts';

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
  it("a provider's 503 or 429 is the client's 503 no_capacity with the provider's Retry-After", () => {
    for (const status of [503, 429]) {
      const error = failureToApiError(providerAnswered(status, '5'));
      expect([status, error.code, error.headers['retry-after']]).toEqual([status, 'no_capacity', '5']);
    }
  });

  it("a provider's 500 stays 502 upstream_failed", () => {
    expect(failureToApiError(providerAnswered(500)).code).toBe('upstream_failed');
  });
});
