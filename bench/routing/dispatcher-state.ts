import type {
  FleetIndex,
  InFlightSend,
  LocalObservations,
  PiggybackedFigures,
  PoolView,
} from '../../worker/routing/index.ts';
import type { Copy, Job } from './sim-types.ts';

/** How long an isolate skips a pool that refused it (as worker/fleet/local-observations.ts). */
export const EJECTION_MS = 10_000;

/**
 * One edge isolate: its snapshot copy and what it saw itself, kept in the same shapes
 * worker/routing reads (`LocalObservations`), updated as events happen.
 */
export class DispatcherState implements LocalObservations {
  readonly inFlight = new Map<string, number>();
  readonly piggybacked = new Map<string, PiggybackedFigures>();
  readonly ejectedUntil = new Map<string, number>();
  readonly inFlightSentAt = new Map<string, number[]>();
  readonly inFlightSends = new Map<string, InFlightSend[]>();
  readonly lastProgressAt = new Map<string, number>();
  readonly stepIntervalMs = new Map<string, number>();
  readonly networkMs: Map<string, number>;
  /** Active copies per pool index (for stall hedging). */
  readonly active: Set<Copy>[];
  snapshot: readonly PoolView[] = [];
  snapshotIndex: FleetIndex | null = null;
  /** Round-robin cursor and smooth weighted round-robin state (per isolate, like a real LB). */
  cursor = 0;
  readonly wrrCurrent: Float64Array;
  requests = 0;
  hedges = 0;
  /** Its tied jobs, settled ones dropped as they are read (`unsettledTies`). */
  readonly ties = new Set<Job>();

  readonly index: number;
  readonly region: string;
  /** Round trip to each pool, ms. */
  readonly rtt: readonly number[];

  constructor(index: number, region: string, rtt: readonly number[], poolIds: readonly string[]) {
    this.index = index;
    this.region = region;
    this.rtt = rtt;
    this.networkMs = new Map(poolIds.map((id, pool) => [id, rtt[pool] ?? 0]));
    this.active = poolIds.map(() => new Set<Copy>());
    this.wrrCurrent = new Float64Array(poolIds.length);
  }

  /** Counts a copy sent. */
  begin(copy: Copy, poolId: string, now: number): void {
    this.inFlight.set(poolId, (this.inFlight.get(poolId) ?? 0) + 1);
    push(this.inFlightSentAt, poolId, now);
    const { work, images, megapixels } = copy.job;
    push(this.inFlightSends, poolId, { sentAt: now, work, images, megapixels: megapixels * images });
    this.lastProgressAt.set(poolId, Math.max(this.lastProgressAt.get(poolId) ?? 0, now));
    this.active[copy.pool]?.add(copy);
  }

  /**
   * Its tied pairs not yet settled, as the Worker's `TieGate` counts them: neither copy dropped,
   * failed or answered.
   */
  unsettledTies(): number {
    for (const job of this.ties) {
      const settled = !job.tied || job.doneAt >= 0 || job.copies.slice(0, 2).some((copy) => !isOpen(copy));
      if (settled) this.ties.delete(job);
    }
    return this.ties.size;
  }

  /** Ends a copy (answered, failed or cancelled). */
  end(copy: Copy, poolId: string): void {
    if (!this.active[copy.pool]?.delete(copy)) return;
    const remaining = (this.inFlight.get(poolId) ?? 1) - 1;
    if (remaining > 0) this.inFlight.set(poolId, remaining);
    else this.inFlight.delete(poolId);
    const times = this.inFlightSentAt.get(poolId);
    const at = times ? times.indexOf(copy.sentAt) : -1;
    if (times && at >= 0) times.splice(at, 1);
    const sends = this.inFlightSends.get(poolId);
    const send = sends
      ? sends.findIndex((entry) => entry.sentAt === copy.sentAt && entry.work === copy.job.work)
      : -1;
    if (sends && send >= 0) sends.splice(send, 1);
  }
}

function isOpen(copy: Copy): boolean {
  return copy.state === 'transit' || copy.state === 'queued' || copy.state === 'running';
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
