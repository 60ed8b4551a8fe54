import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type BackendCallError, httpFailureError, noAnswerError } from '../../backends/index.ts';
import { errorEnvelope } from '../../shared/index.ts';
import { attemptOutcome } from '../dispatch/attempt-outcome.ts';
import { failureToApiError } from '../dispatch/dispatch-errors.ts';
import type { RouteAndDispatchResult } from '../dispatch/route-and-dispatch.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import { EdgeObservability } from './edge-observability.ts';
import { jobDispatchEvent } from './job-dispatch-event.ts';
import type { RequestEvent } from './request-event.ts';
import { requestLogLevel } from './request-log.ts';
import { requestFamilies } from './request-metrics.ts';
import { RequestObservation } from './request-observation.ts';
import { requestTrace } from './request-trace.ts';
import type { StatsDelta } from './stats-delta.ts';
import { StatsRecorder } from './stats-recorder.ts';
import { createStatsTables, readTotals, readWindow, recordDelta } from './stats-store.ts';
import { statsBodyOf } from './stats-view.ts';
import { requestEvent } from './testing/request-events.ts';

const T0 = 1_700_000_000_000;
const WINDOW_S = 60;
const tenant: RoutingTenant = { id: 'acme', tier: 'paid', allowed_providers: [], allowed_regions: [] };
const job = { id: 'job_canceled_mid_call', tenant };

/** gpu-node's answer to the edge's own cancel of a job in flight: a `failed` event, 409 `job_canceled`. */
const poolCanceled = httpFailureError({
  status: 409,
  envelope: errorEnvelope('job_canceled', 'the job was canceled', ''),
  retryAfterSeconds: null,
  load: null,
});

/** A dispatch whose only call, on pool-a, ended with `error`. */
function failedOn(error: BackendCallError): RouteAndDispatchResult {
  const attempt = {
    poolId: 'pool-a',
    providerId: 'provider-a',
    outcome: attemptOutcome(error),
    status: error.status,
    code: error.code,
    load: null,
    durationMs: 700,
    retryAfterSeconds: null,
  };
  return { ok: false, error, attempts: [attempt] };
}

function dispatchEvent(outcome: RouteAndDispatchResult, canceled = false): RequestEvent {
  const observation = new RequestObservation(requestTrace(null));
  return jobDispatchEvent(job, outcome, observation, { startedAt: T0, finishedAt: T0 + 700 }, canceled);
}

/** The stats body and Prometheus totals after `events` went through the isolate's observability. */
async function observed(name: string, events: readonly RequestEvent[]) {
  const deltas: StatsDelta[] = [];
  const recorder = new StatsRecorder({ send: async (delta) => void deltas.push(delta), now: () => T0 });
  const observability = new EdgeObservability(recorder, undefined, 'error');
  for (const event of events) observability.finished(event, () => undefined);
  await recorder.flush();
  const { body, totals } = await runInDurableObject(env.STATS.getByName(name), (_instance, state) => {
    createStatsTables(state.storage.sql);
    for (const delta of deltas) recordDelta(state.storage.sql, delta, T0 + 1_000);
    const window = readWindow(state.storage.sql, T0 + 1_000, WINDOW_S);
    return { body: statsBodyOf(window, WINDOW_S, T0 + 1_000), totals: readTotals(state.storage.sql) };
  });
  const family = requestFamilies(totals).find((entry) => entry.name === 'spillway_requests_total');
  const requests = (family?.type === 'counter' ? family.samples : []).map((sample) => sample.labels);
  const attemptsFamily = requestFamilies(totals).find(
    (entry) => entry.name === 'spillway_pool_attempts_total',
  );
  const attempts = (attemptsFamily?.type === 'counter' ? attemptsFamily.samples : []).map(
    (sample) => sample.labels,
  );
  return { body, requests, attempts };
}

describe('a cancel counts as a cancel: 499 job_canceled, never a pool failure', () => {
  it('job dispatch: the pool’s 409 to the edge’s cancel (it beats the claim’s renewal) is 499, not 502 upstream_failed', async () => {
    const event = dispatchEvent(failedOn(poolCanceled));
    const { body, requests, attempts } = await observed('job-cancel-pool-answer', [event]);
    expect(requests).toEqual([
      { route: 'job_dispatch', tier: 'paid', status: '499', code: 'job_canceled', pool: 'pool-a' },
    ]);
    expect(attempts).toEqual([{ pool: 'pool-a', provider: 'provider-a', outcome: 'canceled' }]);
    // No error in the stats, so none against pool-a either.
    expect([body.errors_by_type, body.recent_errors]).toEqual([{}, []]);
  });

  it('job dispatch: a claim whose job object says canceled is 499 whatever its pool call ended with', async () => {
    const aborted = noAnswerError('job_canceled', undefined, 'the caller aborted the call');
    const events = [
      dispatchEvent(failedOn(aborted), true),
      dispatchEvent({ ok: false, error: 'no_candidates', attempts: [] }, true),
    ];
    const { body, requests } = await observed('job-cancel-claim-stopped', events);
    expect(requests.map((labels) => [labels.status, labels.code, labels.pool]).sort()).toEqual([
      ['499', 'job_canceled', ''],
      ['499', 'job_canceled', 'pool-a'],
    ]);
    expect(body.errors_by_type).toEqual({});
  });

  it('sync generation: a client that hung up (the dispatch aborted) is 499 job_canceled, neither an error nor shed', async () => {
    const hungUp = failureToApiError(noAnswerError('job_canceled', undefined, 'the caller aborted the call'));
    expect(hungUp.code).toBe('job_canceled');
    const event = requestEvent({
      status: hungUp.status,
      code: hungUp.code,
      attempts: [{ poolId: 'pool-a', providerId: 'provider-a', outcome: 'canceled' }],
    });
    const { body, requests } = await observed('sync-hang-up', [event, requestEvent({ requestId: 'req-ok' })]);
    expect(requests).toContainEqual({
      route: 'generation',
      tier: 'paid',
      status: '499',
      code: 'job_canceled',
      pool: 'pool-a',
    });
    expect(body.requests_by_tier).toEqual({ paid: { requests: 2, ok: 1, shed: 0, errors: 0 } });
    expect([body.errors_by_type, body.recent_errors]).toEqual([{}, []]);
    expect(requestLogLevel({ ...event, status: 499 })).toBe('info');
  });

  it('a pool that failed is still 502 upstream_failed against it', async () => {
    const failed = httpFailureError({ status: 500, envelope: null, retryAfterSeconds: null, load: null });
    const { body, requests } = await observed('job-pool-failed', [dispatchEvent(failedOn(failed))]);
    expect(requests).toEqual([
      { route: 'job_dispatch', tier: 'paid', status: '502', code: 'upstream_failed', pool: 'pool-a' },
    ]);
    expect(body.errors_by_type).toEqual({ upstream_failed: 1 });
  });
});
