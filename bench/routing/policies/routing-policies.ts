import {
  acknowledgedRemainingMs,
  type FleetIndex,
  fleetMedianJobMs,
  type HedgePolicy,
  indexFleet,
  MAX_UNSETTLED_TIES,
  type PoolView,
  pickPools,
  queuedRemainingMs,
  type RoutingRequest,
  startedRemainingMs,
  tiesRequest,
  unloadedCompletionMs,
} from '../../../worker/routing/index.ts';
import { SIM_MODEL } from '../registry-sim.ts';
import type { Job } from '../sim-types.ts';
import { basicEligible, type DecisionContext, noDecision, type SimPolicy, withFailover } from './policy.ts';
import { priorIndexFleet, priorPickPools } from './prior-model/prior-pick.ts';
import { priorAcknowledgedRemainingMs, priorPredictedCompletionMs } from './prior-model/prior-scoring.ts';

/**
 * What the edge passes routing for a job: its images and resolved work, and what is left of its
 * objective at `now` (a hedge or a move decides later than the arrival).
 */
export function routingRequestOf(job: Job, objectiveMs?: number, now = job.arrivalAt): RoutingRequest {
  return {
    model: SIM_MODEL,
    images: job.images,
    work: job.work,
    steps: job.steps,
    imageMegapixels: job.megapixels,
    allowedProviders: [],
    allowedRegions: [],
    ...(objectiveMs === undefined ? {} : { objectiveMs: objectiveMs - (now - job.arrivalAt) }),
  };
}

/**
 * Capacity-weighted power of two choices on predicted completion, exactly as `rankPools` did
 * before issue 4 (Envoy's weighted least-request idea): two pools drawn in proportion to slots,
 * keep the one the pre-issue-13 `predictedCompletionMs` says finishes sooner (images, 0.25
 * batching prior). No staleness correction, no network term, no stall detection or hedging.
 */
export function twoChoicesPolicy(): SimPolicy {
  const medianOf = perSnapshot((context) => fleetMedianJobMs(context.views, context.routing));
  return {
    name: 'two-choices',
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      if (eligible.length === 0) return noDecision;
      const fallbackJobMs = medianOf(context);
      const first = sampleBySlots(eligible, context.views, context.random, -1);
      const second = sampleBySlots(eligible, context.views, context.random, first);
      const score = (pool: number) => {
        const view = context.views[pool];
        return view
          ? priorPredictedCompletionMs(
              view,
              context.job.images,
              context.dispatcher,
              context.routing,
              fallbackJobMs,
            )
          : Number.POSITIVE_INFINITY;
      };
      const chosen = second >= 0 && score(second) < score(first) ? second : first;
      return { ...withFailover(chosen, eligible, context.random), predictedMs: score(chosen) };
    },
  };
}

function sampleBySlots(
  eligible: readonly number[],
  views: readonly PoolView[],
  random: () => number,
  skip: number,
): number {
  let total = 0;
  for (const pool of eligible) if (pool !== skip) total += Math.max(1, views[pool]?.slots ?? 1);
  let target = random() * total;
  let last = -1;
  for (const pool of eligible) {
    if (pool === skip) continue;
    last = pool;
    target -= Math.max(1, views[pool]?.slots ?? 1);
    if (target < 0) return pool;
  }
  return last;
}

/**
 * The edge's policy: `pickPools` from worker/routing on an index built once per snapshot (the
 * same code the Worker runs), with the job's work and, where the scenario sets one, its objective
 * (spill by cost). The simulation adds what the edge does around it: the acknowledgement re-route
 * (`acknowledgedRemainingMs` on the isolate's snapshot), stall detection inputs, hedging and
 * shared suspicion. `fastest` is the same code with no objective (pure predicted completion);
 * `cheapest` with an infinite one (the cheapest band, ties by predicted completion).
 */
export function edgePolicy(
  name: 'edge' | 'fastest' | 'cheapest' = 'edge',
  objectiveMs: number | undefined = undefined,
): SimPolicy {
  // As the Worker would be configured: every tier with the scenario's objective, so the load
  // forecast knows the isolates spill by cost.
  const tierObjectivesMs =
    objectiveMs === undefined ? undefined : { free: objectiveMs, paid: objectiveMs, enterprise: objectiveMs };
  const indexOf = perSnapshot(
    (context): FleetIndex =>
      indexFleet(
        context.views,
        SIM_MODEL,
        tierObjectivesMs ? { ...context.routing, tierObjectivesMs } : context.routing,
      ),
  );
  return {
    name,
    central: false,
    edgeFeatures: true,
    paceHedges: true,
    ...(objectiveMs === undefined ? {} : { objectiveMs }),
    decide(context) {
      const index = indexOf(context);
      const request = routingRequestOf(context.job, objectiveMs, context.now);
      const picked = pickPools(index, {
        request,
        observations: context.dispatcher,
        policy: context.routing,
        now: context.now,
        random: context.random,
      });
      const decision = toDecision(context, picked);
      const second = picked[1];
      const tied =
        second !== undefined &&
        tiesRequest(index, request, picked) &&
        context.dispatcher.unsettledTies() < MAX_UNSETTLED_TIES;
      const tie = tied ? context.poolIndex.get(second.pool.poolId) : undefined;
      return tie === undefined || tie === context.exclude || tie === decision.pools[0]
        ? decision
        : { ...decision, tie: { pool: tie, predictedMs: second?.predictedMs ?? decision.predictedMs } };
    },
    unloadedOn(context, pool, copy) {
      const view = context.views[pool];
      return view
        ? unloadedCompletionMs(view, routingRequestOf(copy.job), context.dispatcher, indexOf(context).fleet)
        : undefined;
    },
    remainingOnAck(context, copy, ack) {
      const view = context.views[copy.pool];
      if (!view) return undefined;
      const request = routingRequestOf(copy.job);
      const { fleet } = indexOf(context);
      if (!('images' in ack))
        return startedRemainingMs(view, request, ack.batchMegapixels, fleet, ack.returnTripMs);
      return ack.wait
        ? queuedRemainingMs(view, request, ack.wait, fleet, ack.returnTripMs)
        : acknowledgedRemainingMs(view, request, ack, fleet, ack.returnTripMs);
    },
  };
}

/**
 * The edge policy as it was before issue 13, for `misspecified_prior_p99_over_oracle`: the same
 * machinery (forecast, d = 8, re-route, stall detection, hedging) on the old model, where loads
 * count images, a request its `n` images whatever their size and steps, every pool batches with
 * the 0.25 prior (`prior-model/`), and a hedge waits at least 1 s past the prediction.
 */
export function priorEdgePolicy(): SimPolicy {
  const indexOf = perSnapshot((context) => priorIndexFleet(context.views, SIM_MODEL, context.routing));
  return {
    name: 'prior-edge',
    central: false,
    edgeFeatures: true,
    hedgePolicy: PRIOR_HEDGE_POLICY,
    decide(context) {
      const picked = priorPickPools(indexOf(context), {
        request: routingRequestOf(context.job),
        observations: context.dispatcher,
        policy: context.routing,
        now: context.now,
        random: context.random,
      });
      return toDecision(context, picked);
    },
    remainingOnAck(context, copy, ack) {
      // The policy before issue 13 moved only queued requests.
      const view = context.views[copy.pool];
      return view && 'images' in ack
        ? priorAcknowledgedRemainingMs(view, ack.images, context.routing.defaultJobMs, ack.returnTripMs)
        : undefined;
    },
  };
}

/** The hedge timing before issue 13: 2x the prediction, at least 1 s past it, 5% budget. */
const PRIOR_HEDGE_POLICY: HedgePolicy = { afterFactor: 2, minExtraMs: 1_000, maxShare: 0.05 };

function toDecision(
  context: DecisionContext,
  picked: readonly { readonly pool: PoolView; readonly predictedMs: number }[],
) {
  const pools: number[] = [];
  let predictedMs = 0;
  for (const entry of picked) {
    const pool = context.poolIndex.get(entry.pool.poolId);
    if (pool === undefined || pool === context.exclude) continue;
    if (pools.length === 0) predictedMs = entry.predictedMs;
    pools.push(pool);
  }
  return pools.length === 0 ? noDecision : { pools, predictedMs };
}

/** `build` once per snapshot (an isolate's `views`), as the Worker indexes each snapshot once. */
function perSnapshot<T>(build: (context: DecisionContext) => T): (context: DecisionContext) => T {
  const built = new WeakMap<readonly PoolView[], T>();
  return (context) => {
    let value = built.get(context.views);
    if (value === undefined) {
      value = build(context);
      built.set(context.views, value);
    }
    return value;
  };
}
