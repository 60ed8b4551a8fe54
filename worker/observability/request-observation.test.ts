import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../dispatch/dispatch-types.ts';
import { RequestObservation } from './request-observation.ts';
import { requestTrace } from './request-trace.ts';

function attempt(poolId: string, outcome: AttemptRecord['outcome'], hedge = false): AttemptRecord {
  return {
    poolId,
    providerId: `provider-${poolId}`,
    outcome,
    status: outcome === 'ok' ? 200 : null,
    code: null,
    durationMs: 10,
    load: null,
    ...(hedge ? { hedge: true } : {}),
  };
}

describe('request observation: what the log line says about a dispatch', () => {
  it('observation: a hedged copy that won names its pool and marks the request hedged', () => {
    const observation = new RequestObservation(requestTrace(undefined));
    observation.dispatched({
      ok: true,
      poolId: 'b',
      providerId: 'provider-b',
      attempts: [attempt('b', 'ok', true), attempt('a', 'hedge_lost')],
    });
    expect(observation).toMatchObject({ poolId: 'b', providerId: 'provider-b', hedged: true });
    expect(observation.attempts.map((entry) => `${entry.poolId}:${entry.outcome}`)).toEqual([
      'b:ok',
      'a:hedge_lost',
    ]);
  });

  it('observation: a failed dispatch names the last pool tried and is not hedged without a copy', () => {
    const observation = new RequestObservation(requestTrace(undefined));
    observation.dispatched({ ok: false, attempts: [attempt('a', 'refused'), attempt('c', 'failed')] });
    expect(observation).toMatchObject({ poolId: 'c', providerId: 'provider-c', hedged: false });
  });

  it('observation: a request refused before any pool call names none', () => {
    const observation = new RequestObservation(requestTrace(undefined));
    observation.routed(undefined);
    observation.dispatched({ ok: false, attempts: [] });
    expect(observation).toMatchObject({ poolId: null, providerId: null, work: null, attempts: [] });
  });
});
