import type { FleetSnapshot, PoolSnapshotEntry } from '../fleet/fleet-records.ts';
import { snapshotEntry } from '../fleet/pool-views.ts';
import { checkOutboundUrl, describeRefusal, type OutboundUrlCheck } from '../net/index.ts';
import { finishMsOf, type ScoredPool } from '../routing/index.ts';
import type { DispatchCandidate } from './dispatch-types.ts';
import { upstreamOf } from './pool-upstream.ts';

/**
 * Each snapshot entry's URL verdict, as long as the entry lives: a snapshot serves thousands of
 * requests, and parsing and classifying the same URL for each was a visible share of the edge's
 * CPU per request (bench/edge profile). A new snapshot brings new entries, so a changed URL or
 * policy is judged afresh.
 */
const urlChecks = new WeakMap<PoolSnapshotEntry, { allowPrivate: boolean; check: OutboundUrlCheck }>();

function poolUrlCheck(entry: PoolSnapshotEntry, url: string, allowPrivate: boolean): OutboundUrlCheck {
  const known = urlChecks.get(entry);
  if (known?.allowPrivate === allowPrivate) return known.check;
  const check = checkOutboundUrl(url, { allowPrivate, requireHttps: false });
  urlChecks.set(entry, { allowPrivate, check });
  return check;
}

/**
 * The ranked pools as the dispatcher calls them, with their snapshot entries by pool id. A pool
 * whose URL today's outbound policy refuses is dropped: the registry may hold a URL from before
 * that policy (docs/security.md), so the check runs at every dispatch, not only at registration.
 * Each carries the pool's finish for the request's `images` images of `imageMegapixels`, which
 * its stall watch allows after the last step.
 */
export function dispatchCandidates(
  ranked: readonly ScoredPool[],
  snapshot: FleetSnapshot,
  allowPrivatePoolUrls: boolean,
  imageMegapixels: number,
  images = 1,
): { candidates: DispatchCandidate[]; entries: Map<string, PoolSnapshotEntry> } {
  const entries = new Map<string, PoolSnapshotEntry>();
  const candidates = ranked.flatMap(({ pool, predictedMs }): DispatchCandidate[] => {
    const finishMs = finishMsOf(pool, imageMegapixels, images);
    const entry = snapshotEntry(snapshot, pool.poolId);
    if (!entry) return [];
    const { url } = entry.pool;
    const check = poolUrlCheck(entry, url, allowPrivatePoolUrls);
    if (!check.ok) {
      console.warn(
        JSON.stringify({
          level: 'warn',
          msg: 'pool url refused at dispatch',
          pool_id: pool.poolId,
          reason: describeRefusal(check.refusal),
        }),
      );
      return [];
    }
    const upstream = upstreamOf(entry.pool);
    entries.set(pool.poolId, entry);
    return [
      {
        poolId: pool.poolId,
        providerId: pool.providerId,
        url,
        protocol: entry.provider.protocol,
        ...(upstream ? { upstream } : {}),
        predictedMs,
        ...(finishMs > 0 ? { finishMs } : {}),
      },
    ];
  });
  return { candidates, entries };
}
