import { describe, expect, it } from 'vitest';
import { IsolateObservations } from '../fleet/local-observations.ts';
import type { SuspicionReason } from '../routing/index.ts';
import { learnFromAttempt } from './attempt-feedback.ts';
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
  const services = {
    config: { routing: { telemetryTtlMs: 5_000, defaultJobMs: 1_000, stallAfterMs: 400 } },
    now: () => now,
    observations,
    reportSuspect: async (poolId: string, reason?: SuspicionReason) => {
      suspected.push([poolId, reason]);
    },
    reportBackoff: async () => undefined,
  };
  return { services, suspected };
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
});
