import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';
import { type FleetIndex, indexFleet, type PoolView, type RoutingPolicy } from '../routing/index.ts';
import { heldRegionReadAt } from './fleet-delta.ts';
import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';

// An isolate serves the same snapshot object for about a second; building views per request
// would cost O(pools) each time, which at thousands of pools outweighs the routing decision.
const viewsBySnapshot = new WeakMap<FleetSnapshot, PoolView[]>();
const entriesBySnapshot = new WeakMap<FleetSnapshot, Map<string, PoolSnapshotEntry>>();

const indexesBySnapshot = new WeakMap<FleetSnapshot, Map<string, FleetIndex>>();

/**
 * Routing's index of the snapshot for one model, built once per snapshot object and model
 * (`policy` is the isolate's, constant between deployments), so a decision samples a few pools
 * instead of scoring them all.
 */
export function fleetIndexOf(snapshot: FleetSnapshot, model: string, policy: RoutingPolicy): FleetIndex {
  let indexes = indexesBySnapshot.get(snapshot);
  if (!indexes) {
    indexes = new Map();
    indexesBySnapshot.set(snapshot, indexes);
  }
  let index = indexes.get(model);
  if (!index) {
    index = indexFleet(modelViewsOf(snapshot, model), model, policy);
    indexes.set(model, index);
  }
  return index;
}

/**
 * The pools as routing sees them for one model's requests: a pool that reports the model's own
 * step curve (`models[].step_curve`) is judged on it, since the pool's curve mixes every model it
 * serves (an SDXL request on a pool that mostly steps SD 1.5 would look several times too fast).
 * Other pools keep their pool-wide curve.
 */
function modelViewsOf(snapshot: FleetSnapshot, model: string): readonly PoolView[] {
  const views = poolViewsOf(snapshot);
  return views.map((view, index) => {
    const entry = snapshot.pools[index];
    if (entry?.provider.protocol !== 'gpu-node') return view;
    const own = entry.telemetry?.models.find(({ name }) => name === model)?.step_curve;
    if (!own || own.length === 0) return view;
    return { ...view, stepCurve: poolCurveOf(own, entry.telemetry?.work?.batches) };
  });
}

/** {@link toPoolViews}, computed once per snapshot object. */
export function poolViewsOf(snapshot: FleetSnapshot): readonly PoolView[] {
  let views = viewsBySnapshot.get(snapshot);
  if (!views) {
    views = toPoolViews(snapshot);
    viewsBySnapshot.set(snapshot, views);
  }
  return views;
}

const viewByIdBySnapshot = new WeakMap<FleetSnapshot, Map<string, PoolView>>();

/** Routing's view of one pool in the snapshot, from a map built once per snapshot object. */
export function poolViewOf(snapshot: FleetSnapshot, poolId: string): PoolView | undefined {
  let views = viewByIdBySnapshot.get(snapshot);
  if (!views) {
    views = new Map(poolViewsOf(snapshot).map((view) => [view.poolId, view]));
    viewByIdBySnapshot.set(snapshot, views);
  }
  return views.get(poolId);
}

/** The snapshot's entry for a pool id, from an index built once per snapshot object. */
export function snapshotEntry(snapshot: FleetSnapshot, poolId: string): PoolSnapshotEntry | undefined {
  let entries = entriesBySnapshot.get(snapshot);
  if (!entries) {
    entries = new Map(snapshot.pools.map((entry) => [entry.pool.id, entry]));
    entriesBySnapshot.set(snapshot, entries);
  }
  return entries.get(poolId);
}

/**
 * Turns registry entries into what routing reads. Freshness is judged by when the edge accepted
 * the heartbeat, not by the pool's own clock, so clock skew between hosts cannot keep a dead pool
 * looking fresh. A report without the `work` section (an older pool) leaves the work fields null:
 * routing then counts its images with no batching gain (`speedOf` in worker/routing).
 */
export function toPoolViews(snapshot: FleetSnapshot): PoolView[] {
  const finishStandIn = slowestFinishPerMegapixel(snapshot);
  return snapshot.pools.map((entry) => {
    const { pool, telemetry, received_at, suspect_until, idle_since, best_job_ms } = entry;
    const heldSince = heldRegionReadAt(snapshot, pool.region);
    // Only gpu-node pools say which models they serve; the edge's reports on other protocols
    // (`observed-report.ts`) list none, and the registration's list stands.
    const servedModels = entry.provider.protocol === 'gpu-node' ? telemetry?.models : undefined;
    return {
      poolId: pool.id,
      providerId: pool.provider_id,
      protocol: entry.provider.protocol,
      region: pool.region,
      models: servedModels
        ? servedModels.map((model) => model.name).filter((name) => pool.models.includes(name))
        : pool.models,
      slots: telemetry?.slots ?? pool.capacity,
      running: telemetry?.running ?? 0,
      queued: telemetry?.queued ?? 0,
      maxQueue: telemetry?.max_queue ?? 0,
      jobMs: telemetry?.ewma_job_ms ?? null,
      stepMs: telemetry?.ewma_step_ms ?? null,
      draining: pool.draining || (telemetry?.draining ?? false),
      ready: telemetry?.ready ?? false,
      reportedAt: received_at,
      ...(heldSince === undefined ? {} : { heldSince }),
      enabled: pool.enabled,
      suspectUntil: suspect_until,
      idleSince: idle_since,
      bestJobMs: best_job_ms,
      bestReferenceStepMs: entry.best_reference_step_ms ?? null,
      pricePerImage: pool.price_per_image ?? null,
      queuedWork: telemetry?.work?.queued ?? null,
      runningWork: telemetry?.work?.running ?? null,
      stepCurve: poolCurveOf(telemetry?.work?.step_curve, telemetry?.work?.batches),
      finishMs: telemetry?.work?.finish_ms ?? null,
      finishMsPerMegapixel:
        telemetry?.work?.finish_ms_per_megapixel ??
        (entry.provider.protocol === 'gpu-node' && (telemetry?.work?.finish_ms ?? null) === null
          ? finishStandIn
          : null),
      modelDefaults: servedModels
        ? new Map(
            servedModels.map((model) => [
              model.name,
              {
                steps: model.default_steps,
                size: model.default_size,
                sizes: model.sizes,
                maxSteps: model.max_steps,
              },
            ]),
          )
        : null,
    };
  });
}

/**
 * The pool's step curve as routing reads it: for the pool's whole running work. A pool that runs
 * `batches` engine batches side by side (gpu-node `--workers`) reports the curve of one; its
 * images spread over all of them, so the whole pool steps M megapixels in the time one batch
 * steps M / batches. Null where the pool reports no work section.
 */
export function poolCurveOf(
  curve: readonly StepCurvePoint[] | null | undefined,
  batches: number | null | undefined,
): readonly StepCurvePoint[] | null {
  if (!curve) return null;
  const parallel = batches !== null && batches !== undefined && batches > 1 ? batches : 1;
  if (parallel === 1) return curve;
  return curve.map((point) => ({
    batch_megapixels: point.batch_megapixels * parallel,
    step_ms: point.step_ms,
  }));
}

/**
 * The slowest finish per megapixel any gpu-node pool in the snapshot reports, or null: the stand-in
 * for a gpu-node pool that has made no image yet. Priced at no finish at all, a fresh pool's first
 * four 1024 px images were predicted seconds short, and the stall watch took the 3-4 s they spent
 * in its decoder and PNG encoder after the last step for a stall, sending a copy just as the answer
 * came. The slowest, since a stand-in errs long: a later hedge, not an early one.
 */
function slowestFinishPerMegapixel(snapshot: FleetSnapshot): number | null {
  let slowest: number | null = null;
  for (const entry of snapshot.pools) {
    const measured =
      entry.provider.protocol === 'gpu-node' ? entry.telemetry?.work?.finish_ms_per_megapixel : null;
    if (typeof measured === 'number' && Number.isFinite(measured) && measured > (slowest ?? 0))
      slowest = measured;
  }
  return slowest;
}
