import type { ChaosObservations } from './chaos-report.ts';
import type { RelayedRequest } from './http-relay.ts';
import type { RegistrySample } from './registry-sampler.ts';

/**
 * Everything a run saw, one line per call, job, registry read and relayed request, times in ms from the load's
 * start: what `--raw <file>` writes, to find what a headline figure came from.
 */
export function rawRecord(observed: ChaosObservations, registry: readonly RegistrySample[]) {
  const at = (epochMs: number | null) => (epochMs === null ? null : epochMs - observed.loadStartedAt);
  return {
    faults: observed.faults.map((fault) => ({ ...fault, at: at(fault.at), endedAt: at(fault.endedAt) })),
    calls: observed.calls.map((call) => ({
      what: call.what,
      sent: at(call.sentAt),
      ended: at(call.endedAt),
      ...(call.answer.kind === 'answer'
        ? {
            status: call.answer.status,
            pool: call.answer.headers.get('x-spillway-pool'),
            request_id: call.answer.headers.get('x-request-id'),
            ...(call.answer.status >= 400 ? { body: call.answer.body } : {}),
          }
        : { transport: call.answer.message }),
    })),
    jobs: observed.jobs.map((job) => ({
      id: job.id,
      accepted: at(job.acceptedAt),
      ended: at(job.terminalAt),
      status: job.terminal?.status ?? null,
      pool_id: job.terminal?.pool_id ?? null,
      attempts: job.terminal?.attempts ?? null,
    })),
    registry: registry.map((sample) => ({
      at: at(sample.at),
      pools: sample.pools.map((pool) => ({ ...pool, receivedAt: at(pool.receivedAt) })),
    })),
    pool_requests: byPool(observed.poolRequests, at),
    broken_pool_requests: byPool(observed.brokenRequests, at),
  };
}

function byPool(
  requests: ReadonlyMap<string, readonly RelayedRequest[]>,
  at: (epochMs: number) => number | null,
) {
  return Object.fromEntries(
    [...requests].map(([poolId, list]) => [
      poolId,
      list.map((request) => ({ ...request, at: at(request.at) })),
    ]),
  );
}
