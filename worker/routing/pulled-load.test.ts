import { describe, expect, it } from 'vitest';
import { IsolateObservations } from '../fleet/local-observations.ts';
import { now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { expectedCompletionMs, unloadedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';

describe('load of a pool the registry reports on from the isolates’ summaries', () => {
  // One slot, 3 s a request: the registry's report (received 200 ms ago) still counts the request
  // this isolate had there when it last summarised (1 s ago); that request ended 500 ms ago.
  const size = { work: 20 * 0.262144, images: 1, megapixels: 0.262144 };
  const reported = (protocol: string) =>
    workPool(`${protocol}-1`, {
      protocol,
      slots: 1,
      running: 1,
      runningWork: size.work,
      jobMs: 3_000,
      reportedAt: now - 200,
    });

  function isolateWithEndedRequest(poolId: string, summarise: boolean): IsolateObservations {
    const observations = new IsolateObservations();
    const end = observations.begin(poolId, now - 3_500, size);
    if (summarise) observations.takeSummary(now - 1_000);
    end(now - 500);
    return observations;
  }

  const known = (protocol: string, observations: IsolateObservations) => {
    const index = indexFleet([reported(protocol)], 'tiny', policy);
    const [view] = index.pools;
    if (!view) throw new Error('no pool');
    const predicted = expectedCompletionMs(view, request, observations, index.fleet, now, {
      forecastArrivals: false,
    });
    return { predicted, unloaded: unloadedCompletionMs(view, request, observations, index.fleet) };
  };

  it('a request in the summary the report holds, ended since, has left the pool: it is idle', () => {
    const observations = isolateWithEndedRequest('openai-compatible-1', true);
    const { predicted, unloaded } = known('openai-compatible', observations);
    expect(predicted).toBeCloseTo(unloaded, 6);
  });

  it('without a summary to date the report by, the request still counts (as of the report)', () => {
    const observations = isolateWithEndedRequest('openai-compatible-1', false);
    const { predicted, unloaded } = known('openai-compatible', observations);
    expect(predicted).toBeGreaterThan(unloaded + 300);
  });

  it('a pool that pushes its own telemetry is read as of its report, whatever the isolate summarised', () => {
    // Its report is the pool's own, taken when received: this isolate's request ended before
    // that (300 ms ago, the report 200 ms ago), so the running image is someone else's.
    const observations = new IsolateObservations();
    const end = observations.begin('gpu-node-1', now - 3_500, size);
    observations.takeSummary(now - 1_000);
    end(now - 300);
    const index = indexFleet([reported('gpu-node')], 'tiny', policy);
    const [view] = index.pools;
    if (!view) throw new Error('no pool');
    expect(observations.summarizedBefore(view.reportedAt ?? 0)).toBe(now - 1_000);
    const predicted = expectedCompletionMs(view, request, observations, index.fleet, now, {
      forecastArrivals: false,
    });
    expect(predicted).toBeGreaterThan(unloadedCompletionMs(view, request, observations, index.fleet) + 300);
  });
});
