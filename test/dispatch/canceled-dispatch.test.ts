import { describe, expect, it } from 'vitest';
import { type BackendCall, type ImageBackend, noAnswerError } from '../../backends/index.ts';
import {
  type AttemptRecord,
  type DispatchCandidate,
  dispatchWithFailover,
} from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';

// Pools that never answer: a call ends only when its caller aborts, the `late` pool's a little
// after the copy's, so the copy's cancel is the one the dispatcher sees first.
const LATE_POOL_LAG_MS = 30;

const candidate = (poolId: string): DispatchCandidate => ({
  poolId,
  providerId: `provider-${poolId}`,
  url: `http://${poolId}.test`,
  protocol: 'gpu-node',
  predictedMs: 10,
});

function silentBackend(called: string[]): ImageBackend {
  return {
    protocol: 'gpu-node',
    generate: (call: BackendCall) => {
      called.push(call.poolUrl);
      return new Promise((_resolve, reject) => {
        const lagMs = call.poolUrl.includes('late') ? LATE_POOL_LAG_MS : 0;
        call.signal?.addEventListener('abort', () =>
          setTimeout(() => reject(noAnswerError('job_canceled', undefined, 'the caller aborted')), lagMs),
        );
      });
    },
    cancel: async () => undefined,
  };
}

describe('a canceled dispatch', () => {
  it('cancel: a call with a hedged copy running ends canceled on both pools, neither lost nor failed', async () => {
    const called: string[] = [];
    const attempts: AttemptRecord[] = [];
    const controller = new AbortController();
    const outcome = dispatchWithFailover({
      candidates: [candidate('late'), candidate('copy')],
      request: quickRequest,
      jobId: `canceled-${crypto.randomUUID()}`,
      deadlineAt: Date.now() + 60_000,
      backendFor: () => silentBackend(called),
      tokenFor: async () => 'unused',
      now: Date.now,
      signal: controller.signal,
      onAttempt: (attempt) => attempts.push(attempt),
      waitUntil: () => undefined,
      hedge: { afterMs: () => 20, allow: () => true },
    });
    while (called.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const result = await outcome;
    expect(!result.ok && typeof result.error !== 'string' && result.error.code).toBe('job_canceled');
    // A `hedge_lost`, `stalled` or `failed` here would count against a pool nobody beat.
    expect(attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['copy', 'canceled'],
      ['late', 'canceled'],
    ]);
  });
});
