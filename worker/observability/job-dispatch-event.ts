import { failureToApiError } from '../dispatch/dispatch-errors.ts';
import type { RouteAndDispatchResult } from '../dispatch/route-and-dispatch.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import { CANCELED_CODE, CANCELED_STATUS, type RequestEvent } from './request-event.ts';
import type { RequestObservation } from './request-observation.ts';

/** The claim a job dispatch ran for. */
interface DispatchedJob {
  readonly id: string;
  readonly tenant: RoutingTenant;
}

/**
 * The event of one job dispatch by the queue consumer: the job id stands for the request id, and
 * a failure counts with the status and code the job's client would see; one that ended because
 * the job was `canceled` counts as a cancel, whatever its pool call ended with.
 */
export function jobDispatchEvent(
  job: DispatchedJob,
  outcome: RouteAndDispatchResult,
  observation: RequestObservation,
  timing: { readonly startedAt: number; readonly finishedAt: number },
  canceled = false,
): RequestEvent {
  observation.dispatched(outcome);
  const failure = outcome.ok
    ? null
    : canceled
      ? { status: CANCELED_STATUS, code: CANCELED_CODE }
      : outcome.error === 'model_not_found'
        ? { status: 404, code: 'model_not_found' }
        : (({ status, code }) => ({ status, code }))(failureToApiError(outcome.error));
  return {
    at: timing.finishedAt,
    requestId: job.id,
    route: 'job_dispatch',
    tenantId: job.tenant.id,
    tier: job.tenant.tier,
    model: observation.model,
    poolId: observation.poolId,
    providerId: observation.providerId,
    attempts: observation.attempts,
    hedged: observation.hedged,
    status: failure?.status ?? 200,
    code: failure?.code ?? null,
    latencyMs: Math.max(0, timing.finishedAt - timing.startedAt),
    work: observation.work,
    traceId: observation.trace.traceId,
  };
}
