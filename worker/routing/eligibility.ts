import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest } from './fleet-view.ts';
import { isStalled } from './stall.ts';

/** Why a pool cannot take a request. */
export type Ineligibility =
  | 'model'
  | 'disabled'
  | 'draining'
  | 'not-ready'
  | 'no-telemetry'
  | 'no-slots'
  | 'stale-telemetry'
  | 'missed-heartbeats'
  | 'ejected'
  | 'suspect'
  | 'stalled'
  | 'provider-not-allowed'
  | 'region-not-allowed'
  | 'size-not-served'
  | 'steps-not-served';

/**
 * The reasons that depend only on the snapshot and the model, not on time or the isolate's
 * observations; `fleet-index.ts` applies them once per snapshot.
 */
export function staticIneligibility(pool: PoolView, model: string): Ineligibility | null {
  if (!pool.models.includes(model)) return 'model';
  if (!pool.enabled) return 'disabled';
  if (pool.draining) return 'draining';
  if (!pool.ready) return 'not-ready';
  if (pool.reportedAt === null) return 'no-telemetry';
  // Routing's arithmetic counts at least one slot, so a pool that runs nothing looked idle and fast.
  if (!(pool.slots > 0)) return 'no-slots';
  return null;
}

/**
 * How far a pool's latest report may trail the snapshot's newest before the pool counts as having
 * missed its heartbeats, ms: two heartbeat intervals plus `HEARTBEAT_JITTER_MS`.
 *
 * A pool that dies stops reporting at once, but an isolate only learns it from a refused request
 * or the telemetry TTL (5 s), and a pool that was idle may not be tried by anyone for seconds.
 * Every other pool's report moving on while this one stays put says it long before either. A
 * fixed interval rather than one inferred from the snapshot: pools also report on significant
 * change, so busy pools report more often than idle ones, and the idle ones are the ones to keep.
 */
export function heartbeatLagLimitMs(policy: RoutingPolicy): number {
  return 2 * (policy.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS) + HEARTBEAT_JITTER_MS;
}

/**
 * Whether a pool's reports are heartbeats it sends itself (gpu-node, or a simulated pool), which
 * stop the moment it dies: only those are judged by `heartbeatLagLimitMs`. The registry writes the
 * reports of pools that push none (other protocols, `worker/fleet/pull-telemetry.ts`) on its own
 * alarm, so their age says when that alarm last ran, not whether the pool lives: its probes and the
 * calls' outcomes say that (`ready`, suspicion, ejection). Judged by lag, every such pool dropped
 * out of routing whenever the registry's alarm ran a second late (a busy host, a slow probe).
 */
export function sendsOwnHeartbeats(pool: Pick<PoolView, 'protocol'>): boolean {
  return pool.protocol === undefined || pool.protocol === HEARTBEAT_PROTOCOL;
}

/**
 * The one protocol whose pools push signed heartbeats (`POST /v1/pools/:id/telemetry`): they
 * register a public key, and the registry writes the reports of every other protocol's pools.
 */
export const HEARTBEAT_PROTOCOL = 'gpu-node';

/**
 * The moment a pool's freshness is judged at: `now`, or for a pool whose shard the isolate did
 * not read again (`PoolView.heldSince`), that read: a report that was fresh when read still says
 * the pool was alive then, and no newer one was asked for.
 */
export function freshnessAt(pool: Pick<PoolView, 'heldSince'>, now: number): number {
  return pool.heldSince === undefined ? now : Math.min(now, pool.heldSince);
}

/** gpu-node's default `--heartbeat-interval-ms`. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

/** Slack for heartbeat jitter and delivery in `heartbeatLagLimitMs`. */
export const HEARTBEAT_JITTER_MS = 250;

/** The reasons that change per request: freshness, this isolate's observations, the tenant. */
export function dynamicIneligibility(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): Ineligibility | null {
  return (
    staleness(pool, policy, now) ??
    timedHold(pool, observations, now) ??
    untimedIneligibility(pool, request, observations, policy, now)
  );
}

/** `stale-telemetry` when the pool's latest report is older than the TTL. */
function staleness(pool: PoolView, policy: RoutingPolicy, now: number): Ineligibility | null {
  const stale = pool.reportedAt !== null && freshnessAt(pool, now) - pool.reportedAt > policy.telemetryTtlMs;
  return stale ? 'stale-telemetry' : null;
}

/** A hold with a known end: this isolate's ejection, or the registry's suspicion or back-off. */
function timedHold(pool: PoolView, observations: LocalObservations, now: number): Ineligibility | null {
  if (ejectionHolds(pool, observations, now)) return 'ejected';
  return (pool.suspectUntil ?? 0) > now ? 'suspect' : null;
}

/** The per-request reasons after the timed holds: a stall, the tenant's allow-lists, the ask. */
function untimedIneligibility(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): Ineligibility | null {
  if (isStalled(pool.poolId, observations, policy, now)) return 'stalled';
  return tenantRestriction(pool, request) ?? requestMisfit(pool, request);
}

/**
 * Why the pool cannot serve what the request asked for: a size or step count outside what it
 * reports for the model (telemetry `models[]`). Sent there it would answer 400, while another
 * pool of the fleet may serve it. Pools that report no ranges are not judged.
 */
export function requestMisfit(
  pool: Pick<PoolView, 'modelDefaults'>,
  request: Pick<RoutingRequest, 'model' | 'asked'>,
): Ineligibility | null {
  const { size, steps } = request.asked ?? {};
  if (size === undefined && steps === undefined) return null;
  const served = pool.modelDefaults?.get(request.model);
  if (!served) return null;
  if (size !== undefined && served.sizes && !served.sizes.includes(size)) return 'size-not-served';
  if (steps !== undefined && served.maxSteps !== undefined && steps > served.maxSteps)
    return 'steps-not-served';
  return null;
}

/** Why the tenant's provider and region allow-lists exclude the pool, or null if they admit it. */
export function tenantRestriction(
  pool: Pick<PoolView, 'providerId' | 'region'>,
  request: Pick<RoutingRequest, 'allowedProviders' | 'allowedRegions'>,
): Ineligibility | null {
  if (request.allowedProviders.length > 0 && !request.allowedProviders.includes(pool.providerId)) {
    return 'provider-not-allowed';
  }
  if (request.allowedRegions.length > 0 && !request.allowedRegions.includes(pool.region))
    return 'region-not-allowed';
  return null;
}

/** The first reason a pool cannot take the request, or null if it can. */
export function ineligibility(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): Ineligibility | null {
  return (
    staticIneligibility(pool, request.model) ?? dynamicIneligibility(pool, request, observations, policy, now)
  );
}

/** The pools that can take the request. */
export function eligiblePools(
  pools: readonly PoolView[],
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): PoolView[] {
  return pools.filter((pool) => ineligibility(pool, request, observations, policy, now) === null);
}

/**
 * When the first pool kept out for a known time comes back for this request (epoch ms), or null if
 * none is: one that serves it and is only ejected by this isolate, suspect, or backed off on its
 * own `Retry-After` (the registry folds that into `suspectUntil`). Pools out for reasons with no
 * known end (stale, not ready, no slots, draining, stalled) do not count. What a refusal's `Retry-After`
 * says when no pool can take a request now: the edge knows when one can.
 */
export function soonestReturnAt(
  pools: readonly PoolView[],
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): number | null {
  let soonest: number | null = null;
  for (const pool of pools) {
    // Out for a reason other than a timed hold: its return is not known.
    const lasting =
      staticIneligibility(pool, request.model) ??
      staleness(pool, policy, now) ??
      untimedIneligibility(pool, request, observations, policy, now);
    if (lasting !== null) continue;
    const ejectedUntil = ejectionHolds(pool, observations, now)
      ? (observations.ejectedUntil.get(pool.poolId) ?? 0)
      : 0;
    const returnsAt = Math.max(ejectedUntil, pool.suspectUntil ?? 0);
    if (returnsAt > now && (soonest === null || returnsAt < soonest)) soonest = returnsAt;
  }
  return soonest;
}

/**
 * Whether this isolate's ejection of the pool still holds at `now`: its window runs, and the pool
 * has not reported since it refused a connection. Only a pool's own heartbeat says it is back
 * (restarted): the registry writes the reports of pools that push none on its own alarm, whether
 * they live or not, so for those the window holds (their probe says the rest). Routing, the
 * dispatcher's last check before each call, and the operator's health word all ask this.
 */
export function ejectionHolds(
  pool: Pick<PoolView, 'poolId' | 'protocol' | 'reportedAt'>,
  observations: Pick<LocalObservations, 'ejectedUntil' | 'refusedAt'>,
  now: number,
): boolean {
  if ((observations.ejectedUntil.get(pool.poolId) ?? 0) <= now) return false;
  const refusedAt = observations.refusedAt?.get(pool.poolId);
  const reportedSince = refusedAt !== undefined && pool.reportedAt !== null && pool.reportedAt > refusedAt;
  return !(reportedSince && sendsOwnHeartbeats(pool));
}
