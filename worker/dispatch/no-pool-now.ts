import { BackendCallError } from '../../backends/index.ts';
import {
  type LocalObservations,
  type PoolView,
  type RoutingPolicy,
  type RoutingRequest,
  soonestReturnAt,
} from '../routing/index.ts';
import { credentialRefused, refusedAtAdmission } from './attempt-feedback.ts';
import type { DispatchResult } from './dispatch-types.ts';

/** The edge's own code for {@link noPoolNow}'s refusal (no pool sends it). */
export const NO_POOL_NOW = 'no_pool_now';

/** `Retry-After` when no pool that is out says when it returns: about two heartbeats. */
const UNKNOWN_RETURN_SECONDS = 2;

/**
 * The refusal of a request that some pool serves but none can take now (every one ejected,
 * backed off, suspect, stale or draining): retryable 503 `no_capacity`, its `Retry-After` the
 * time until the first pool kept out for a known time is back (a provider that asked for 30 s
 * gives 30, not a guess that sends clients back while it still refuses), else two seconds.
 * A job waits that long before it is routed again.
 */
export function noPoolNow(
  pools: readonly PoolView[],
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): BackendCallError {
  const returnsAt = soonestReturnAt(pools, request, observations, policy, now);
  return new BackendCallError({
    message: 'no pool can take this request right now',
    status: 503,
    code: NO_POOL_NOW,
    retryable: true,
    workStarted: false,
    retryAfterSeconds:
      returnsAt === null ? UNKNOWN_RETURN_SECONDS : Math.max(1, Math.ceil((returnsAt - now) / 1000)),
  });
}

/**
 * A failed dispatch whose last pool refused it with nothing started (429, 503, or 401/403: the
 * edge's own key refused) is the same refusal as finding no pool at all, judged after the
 * refusals' back-offs were noted: `noPool()`'s, whose `Retry-After` is the time until the first
 * held pool is back. The last pool's own `Retry-After` was what the client got before: 3600 from
 * one provider while another was back in 3 s, and a 502 for the pool that refused the edge's key.
 */
export function orNoPoolNow(outcome: DispatchResult, noPool: () => BackendCallError): DispatchResult {
  if (outcome.ok || !BackendCallError.isInstance(outcome.error) || outcome.error.workStarted) return outcome;
  const { status } = outcome.error;
  const refused = refusedAtAdmission(status, true) || credentialRefused(status);
  return refused ? { ...outcome, error: noPool() } : outcome;
}
