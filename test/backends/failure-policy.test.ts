import { describe, expect, it } from 'vitest';
import { classifyHttpFailure, parseRetryAfter } from '../../backends/index.ts';

describe('failure policy', () => {
  const cases: Array<[number, string | null, boolean, boolean]> = [
    [400, 'invalid_request', false, false],
    [401, 'invalid_credentials', true, false],
    [403, 'insufficient_scope', true, false],
    [404, 'model_not_found', false, false],
    [408, null, true, true],
    [409, 'job_id_conflict', true, false],
    [409, 'job_canceled', false, false],
    [413, 'payload_too_large', false, false],
    [415, 'unsupported_media_type', false, false],
    [429, 'rate_limited', true, false],
    [500, 'inference_failed', true, true],
    [502, null, true, true],
    [503, 'queue_full', true, false],
    [503, 'draining', true, false],
    [504, 'deadline_exceeded', false, true],
    [504, null, true, true],
    [301, null, true, true],
    [307, null, true, true],
    [308, null, true, true],
  ];
  for (const [status, code, retryable, workStarted] of cases) {
    it(`failure policy: ${status} ${code ?? '(no envelope)'} is ${retryable ? '' : 'not '}retryable`, () => {
      expect(classifyHttpFailure(status, code)).toEqual({ retryable, workStarted });
    });
  }

  it('failure policy: Retry-After reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
