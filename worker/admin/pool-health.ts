import type { PoolHealth } from '../../shared/index.ts';
import type { PoolSnapshotEntry } from '../fleet/fleet-records.ts';
import { ejectionHolds } from '../routing/index.ts';

/** What the edge knows beyond the registry's entry: this isolate's own ejections, and the clock. */
export interface HealthContext {
  readonly now: number;
  /** `TELEMETRY_TTL_MS`: older telemetry keeps routing away from a pool. */
  readonly telemetryTtlMs: number;
  /** Pools this isolate ejected after a refusal or 5xx, until when (epoch ms). */
  readonly ejectedUntil: ReadonlyMap<string, number>;
  /** When a refused connection ejected each pool; a report received after it ends the ejection. */
  readonly refusedAt: ReadonlyMap<string, number>;
}

/**
 * One word for why routing would pass a pool over, or `healthy`, by the same rules routing applies
 * (`worker/routing/eligibility.ts`), most deliberate first: the operator's switches (a draining
 * pool whose reports stopped is `stale`: it exited), then this isolate's ejection, the registry's
 * suspicion or back-off, telemetry older than the TTL (or none yet), and a pool that reports
 * itself not ready.
 */
export function poolHealthOf(entry: PoolSnapshotEntry, context: HealthContext): PoolHealth {
  const { pool, telemetry, received_at: receivedAt, suspect_until: suspectUntil } = entry;
  if (!pool.enabled) return 'disabled';
  const stale = receivedAt === null || context.now - receivedAt > context.telemetryTtlMs;
  // A draining pool that stopped reporting has exited (or died): `stale` says so, where `draining`
  // would have read the same as one still finishing its work.
  if ((pool.draining || telemetry?.draining === true) && !stale) return 'draining';
  if (isEjected(entry, receivedAt, context)) return 'ejected';
  if ((suspectUntil ?? 0) > context.now) return 'suspect';
  if (stale) return 'stale';
  // Routing passes over a pool that says it is not ready, or has no slot to run anything
  // (eligibility's `not-ready` and `no-slots`): say so.
  if (telemetry?.ready === false || (telemetry !== undefined && telemetry !== null && !(telemetry.slots > 0)))
    return 'not_ready';
  return 'healthy';
}

function isEjected(entry: PoolSnapshotEntry, receivedAt: number | null, context: HealthContext): boolean {
  // As in routing: a pool that reported itself after refusing a connection was restarted, not dead.
  const pool = { poolId: entry.pool.id, protocol: entry.provider.protocol, reportedAt: receivedAt };
  return ejectionHolds(pool, context, context.now);
}
