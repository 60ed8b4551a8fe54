import { describe, expect, it } from 'vitest';
import { IsolateObservations } from '../fleet/local-observations.ts';
import type { SuspicionReason } from '../routing/index.ts';
import { CREDENTIAL_REFUSAL_BACKOFF_MS, learnFromAttempt } from './attempt-feedback.ts';
import type { AttemptRecord } from './dispatch-types.ts';

const request = { model: 'm', images: 1, allowedProviders: [], allowedRegions: [] };
const stalled: AttemptRecord = {
  poolId: 'pool-a',
  providerId: 'provider-a',
  outcome: 'stalled',
  status: null,
  code: 'stalled',
  durationMs: 2_000,
  load: null,
};

/** Two calls at pool-a from this isolate, the first quiet since 1_000; the other stepped at `otherStepAt`. */
function servicesAt(now: number, otherStepAt: number) {
  const observations = new IsolateObservations();
  observations.begin('pool-a', 900);
  observations.begin('pool-a', 900);
  observations.noteProgress('pool-a', 1_000);
  observations.noteProgress('pool-a', otherStepAt);
  const suspected: Array<[string, SuspicionReason | undefined]> = [];
  const backoffs: Array<[string, number]> = [];
  const services = {
    config: { routing: { telemetryTtlMs: 5_000, defaultJobMs: 1_000, stallAfterMs: 400 } },
    now: () => now,
    observations,
    reportSuspect: async (poolId: string, reason?: SuspicionReason) => {
      suspected.push([poolId, reason]);
    },
    reportBackoff: async (poolId: string, until: number) => {
      backoffs.push([poolId, until]);
    },
  };
  return { services, suspected, backoffs };
}

describe('learnFromAttempt', () => {
  it('feedback: a stalled call on a pool quiet on every call of this isolate raises the shared suspicion', () => {
    const { services, suspected } = servicesAt(3_000, 1_000);
    learnFromAttempt(services, stalled, request, () => undefined);
    expect(suspected).toEqual([['pool-a', 'stalled']]);
  });

  it('feedback: a stalled call while another call at its pool still steps is that call’s trouble, not the pool’s', () => {
    const { services, suspected } = servicesAt(3_000, 2_900);
    learnFromAttempt(services, stalled, request, () => undefined);
    expect(suspected).toEqual([]);
  });

  it('feedback: a pool that refuses the edge credential (401/403) is held out by every isolate for a minute', () => {
    for (const status of [401, 403]) {
      const { services, backoffs } = servicesAt(3_000, 1_000);
      const refused: AttemptRecord = { ...stalled, outcome: 'refused', status, code: 'upstream_failed' };
      learnFromAttempt(services, refused, request, () => undefined);
      const until = 3_000 + CREDENTIAL_REFUSAL_BACKOFF_MS;
      expect(backoffs).toEqual([['pool-a', until]]);
      expect(services.observations.ejectedUntil.get('pool-a')).toBe(until);
    }
    // A 400 is the request's own fault: the pool stays.
    const { services, backoffs } = servicesAt(3_000, 1_000);
    learnFromAttempt(
      services,
      { ...stalled, outcome: 'rejected', status: 400, code: 'x' },
      request,
      () => undefined,
    );
    expect(backoffs).toEqual([]);
  });
});
