import { noAnswerError } from '../../backends/index.ts';
import { imageMegapixels, requestWork } from '../../shared/index.ts';
import { fleetIndexOf, poolViewOf, poolViewsOf } from '../fleet/pool-views.ts';
import {
  ejectionHolds,
  objectiveFor,
  type PoolView,
  pickPools,
  type RoutingRequest,
  requestOnPool,
  requestShape,
  tenantRestriction,
  tiesRequest,
} from '../routing/index.ts';
import { acknowledgementPolicy } from './acknowledgement.ts';
import { admitInTurn, withQuota } from './admit-in-turn.ts';
import { askedOf, type UnservedAsk, unservedAsk, unservedAskError, withoutAsked } from './asked-fit.ts';
import { credentialRefused, learnFromAttempt, refusedAtAdmission } from './attempt-feedback.ts';
import { dispatchCandidates } from './dispatch-candidates.ts';
import { hedgeFor, objectiveField, traceparentOf } from './dispatch-option-parts.ts';
import { dispatchWithFailover } from './dispatcher.ts';
import { withSizeWarnings } from './image-size-check.ts';
import { noPoolNow, orNoPoolNow } from './no-pool-now.ts';
import { workByProtocol } from './protocol-work.ts';
import type { RouteAndDispatchInput, RouteAndDispatchResult } from './route-and-dispatch-types.ts';
import { admittance, keepLastRoom, withDemandAhead } from './shedding.ts';

export type { DispatchServices } from './dispatch-services.ts';
export type { RouteAndDispatchInput, RouteAndDispatchResult } from './route-and-dispatch-types.ts';

/**
 * Routes one request and sends it with failover: reads the isolate's fleet snapshot, ranks the
 * eligible pools, then calls them in order through `dispatchWithFailover`, feeding outcomes back
 * into the isolate's observations (outlier ejection, piggybacked load, in-flight counts).
 * Shared by the sync endpoint and the async job consumer.
 *
 * @example
 * const outcome = await routeAndDispatch({ services: deps, tenant, request, jobId, deadlineAt, waitUntil });
 * if (!outcome.ok) return failureToApiError(outcome.error);
 */
export async function routeAndDispatch(input: RouteAndDispatchInput): Promise<RouteAndDispatchResult> {
  const { services, tenant, request } = input;
  const snapshot = await services.fleet.get(input.waitUntil);
  const model = request.model ?? '';
  const now = services.now();
  const policy = services.config.routing;
  const index = fleetIndexOf(snapshot, model, policy);
  // Steps and size the request leaves out are the model's defaults as the fleet reports them.
  const steps = request.steps ?? index.defaults?.steps;
  const size = request.size ?? index.defaults?.size;
  const work =
    steps !== undefined && size !== undefined ? requestWork({ n: request.n, steps, size }) : undefined;
  input.observe?.routed(work);
  // Providers that count the request otherwise (an OpenAI-compatible API runs its own steps).
  const ownWork = workByProtocol(snapshot, request, index.defaults ?? undefined, work, services.backendFor);
  let routingRequest: RoutingRequest = {
    model,
    images: request.n,
    ...askedOf(request),
    ...(work !== undefined && steps !== undefined && size !== undefined
      ? { work, steps, imageMegapixels: imageMegapixels(size) }
      : {}),
    ...(ownWork ? { workByProtocol: ownWork } : {}),
    allowedProviders: tenant.allowed_providers,
    allowedRegions: tenant.allowed_regions,
    // The tier's latency objective: cheaper pools that meet it are preferred (spill by cost).
    ...objectiveField(objectiveFor(policy, tenant.tier)),
  };
  // At most as many candidates as the dispatcher will call (3 attempts).
  const rank = (at: number) =>
    pickPools(index, {
      request: routingRequest,
      observations: services.observations,
      policy,
      now: at,
      random: services.random,
    });
  let firstRanking = rank(now);
  // Decided over the pools this tenant may use, so a tenant learns nothing about models only
  // other providers or regions serve.
  const servable = (pool: PoolView) =>
    pool.models.includes(model) && tenantRestriction(pool, routingRequest) === null;
  // No pool can take what it asked for: if none serves that size or step count at all, it is
  // routed without the ask, and the pool answers 400 naming what it does serve; with none to take
  // it now the edge answers that 400 itself. While some pool serves it, it waits for that one.
  let unserved: UnservedAsk | null = null;
  if (firstRanking.length === 0 && routingRequest.asked) {
    unserved = unservedAsk(poolViewsOf(snapshot), servable, routingRequest);
    if (unserved) {
      routingRequest = withoutAsked(routingRequest);
      firstRanking = rank(now);
    }
  }
  if (firstRanking.length === 0) {
    const pools = poolViewsOf(snapshot);
    if (!pools.some(servable)) {
      await input.admit?.();
      return { ok: false, error: 'model_not_found', attempts: [] };
    }
    if (unserved) return { ok: false, error: unservedAskError(unserved), attempts: [] };
    // Served, but by no pool that can take it now: refused before the tenant's quota is taken.
    const error = noPoolNow(pools, routingRequest, services.observations, policy, now);
    return { ok: false, error, attempts: [] };
  }
  const who = { tenantId: tenant.id, tier: tenant.tier };
  const fairWaitMs = services.turns.fairWaitMs(who.tenantId, who.tier, input.deadlineAt - now);
  // The wait at the edge counts towards the slowdown, but for a fair turn (`SlotTurns.fairWaitMs`).
  // The last room goes to a higher tier short of room (`keepLastRoom`).
  const judge = (at: number, ranked = rank(at)) =>
    keepLastRoom(
      admittance(
        ranked,
        routingRequest,
        services,
        index.fleet,
        tenant.tier,
        at,
        input.deadlineAt - at,
        Math.max(0, at - now - fairWaitMs),
      ),
      tenant.tier,
      services.turns.higherTierShortOfRoom(tenant.tier),
    );
  // No room at its tier, or room a request ahead in line should have: it waits its turn a little.
  const judged = await admitInTurn(services.turns, judge(now, firstRanking), {
    ...who,
    arrivedAt: now,
    fairWaitMs,
    signal: input.signal,
    judge,
    now: services.now,
  });
  // A caller gone while it waited its turn canceled the request: no refusal, and no pool called.
  if (input.signal?.aborted) {
    if (judged.admitted) services.turns.freed();
    const error = noAnswerError('job_canceled', input.signal.reason, 'the caller left');
    return { ok: false, error, attempts: [] };
  }
  const admitted = await withQuota(services.turns, judged, who, input.admit, () => judge(services.now()));
  if (!admitted.admitted) {
    const error = withDemandAhead(admitted.verdict.error, services.turns.demandWaitMs(tenant.tier));
    return { ok: false, error, attempts: [] };
  }
  const ranked = admitted.ranked;
  services.turns.served(tenant.id, request.n, tenant.tier);
  const { imageMegapixels: requestMegapixels, images: requestImages } = requestShape(
    routingRequest,
    index.fleet.typical,
  );
  const { candidates, entries } = dispatchCandidates(
    ranked,
    snapshot,
    services.config.allowPrivatePoolUrls,
    requestMegapixels,
    requestImages,
  );
  // A move on the pool's acknowledgement goes along a fresh pick, which may name pools the first
  // did not: they become candidates too (their tokens and adapters are looked up by pool).
  const repick = (leaving: string) => {
    const fresh = dispatchCandidates(
      rank(services.now()).filter(({ pool }) => pool.poolId !== leaving),
      snapshot,
      services.config.allowPrivatePoolUrls,
      requestMegapixels,
      requestImages,
    );
    for (const [poolId, entry] of fresh.entries) entries.set(poolId, entry);
    return fresh.candidates;
  };
  const { hedgeBudget } = services;
  services.retryBudget.earn();
  hedgeBudget?.earn();
  const ends = new Map<string, (endedAt?: number) => void>();
  // The request as each candidate runs it: its own adapter's count of the work.
  const onPool = (poolId: string): RoutingRequest => {
    const protocol = entries.get(poolId)?.provider.protocol;
    return protocol === undefined ? routingRequest : requestOnPool(routingRequest, { protocol });
  };
  // A tie spends a round trip of a second pool's time: not while this isolate turns work away
  // or holds it for want of room, nor while its last pairs are unsettled (`TieGate`).
  const tieWanted = input.mayTie === true && !services.turns.shortOfRoom();
  const tieRelease = tieWanted && tiesRequest(index, routingRequest, ranked) ? services.ties.tryOpen() : null;
  try {
    const outcome = await dispatchWithFailover({
      candidates,
      request,
      jobId: input.jobId,
      deadlineAt: input.deadlineAt,
      backendFor: (protocol) => {
        const backend = services.backendFor(protocol);
        if (!backend) throw new Error(`no adapter for protocol ${protocol}`);
        return backend;
      },
      tokenFor: (poolId) => {
        const entry = entries.get(poolId);
        if (!entry) throw new Error(`pool ${poolId} is not a candidate`);
        return services.credentialFor(entry, tenant.id);
      },
      now: services.now,
      stillCallable: (poolId) => {
        const pool = poolViewOf(snapshot, poolId);
        return pool === undefined || !ejectionHolds(pool, services.observations, services.now());
      },
      onAttempt: (attempt) => {
        learnFromAttempt(services, attempt, onPool(attempt.poolId), input.waitUntil);
        if (attempt.load) {
          services.observations.observeLoad(
            attempt.poolId,
            attempt.load,
            attempt.load.takenAt ?? services.now(),
          );
        }
        ends.get(attempt.poolId)?.(services.now());
        input.onEnd?.(attempt.poolId);
        services.turns.freed();
      },
      onStart: (poolId, candidate) => {
        const { work: poolWork, imageMegapixels: megapixels } = onPool(poolId);
        const requestSteps = routingRequest.steps;
        const size =
          poolWork === undefined
            ? undefined
            : {
                work: poolWork,
                images: request.n,
                ...(megapixels ? { megapixels: megapixels * request.n } : {}),
              };
        ends.set(poolId, services.observations.begin(poolId, services.now(), size));
        // Until the pool's events show their pace, a step is taken to last what routing predicts
        // for this request's steps (queue included): a slow first step is not a stall.
        if (candidate.predictedMs !== undefined && requestSteps !== undefined) {
          services.observations.expectPace(poolId, candidate.predictedMs / requestSteps);
        }
        input.onStart?.(candidate);
      },
      // Failovers after a failure share the isolate's budget (~10% of requests), so a
      // provider-wide outage cannot triple the traffic the remaining pools see. A pool that
      // answered and refused at admission (429, 503 full or draining: nothing started) cost
      // nothing, and the next pool only gets what it would have had: that failover is free, or
      // a burst onto one rate-limited provider would fail requests other pools could serve. So
      // is one from a pool that refused the edge's own credential (401/403): nothing ran there.
      allowRetry: (error) =>
        refusedAtAdmission(error.status, !error.workStarted) ||
        credentialRefused(error.status) ||
        services.retryBudget.spend(),
      ...(hedgeBudget ? { hedge: hedgeFor(hedgeBudget) } : {}),
      waitUntil: input.waitUntil,
      ...traceparentOf(input.observe),
      // Every call streams the pool's events, sync ones too: a pool that stops reporting mid-job
      // gets a copy elsewhere at once, its events feed stall detection and round trips, and a
      // request it acknowledges behind a longer queue, or in a far heavier batch, than expected
      // moves before it steps.
      streamProgress: true,
      tie: tieRelease !== null,
      ...(tieRelease ? { onTieSettled: tieRelease } : {}),
      ack: acknowledgementPolicy({
        index,
        request: routingRequest,
        observations: services.observations,
        now: services.now,
        routedAt: now,
        repick,
        spillMargin: policy.spillMargin,
      }),
      ...(policy.stallAfterMs === undefined ? {} : { stallAfterMs: policy.stallAfterMs }),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const noPool = () =>
      noPoolNow(poolViewsOf(snapshot), routingRequest, services.observations, policy, services.now());
    if (!outcome.ok) return orNoPoolNow(outcome, noPool);
    // A provider may answer another size than asked without a word: the client is told.
    return { ...outcome, result: withSizeWarnings(outcome.result, request.size, outcome.providerId) };
  } finally {
    tieRelease?.();
    for (const end of ends.values()) end(services.now());
  }
}
