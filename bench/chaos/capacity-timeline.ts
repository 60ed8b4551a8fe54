import type { FaultEvent } from './faults.ts';

/** A span of time, epoch ms, end excluded. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** When each pool could not serve, and when the edge was down, from the faults applied. */
export interface CapacityTimeline {
  /** Per pool, the spans it was killed, stopped or had its heartbeats cut. */
  readonly poolOutages: ReadonlyMap<string, readonly Span[]>;
  /** The spans the edge's workerd was being restarted (disposed until listening again). */
  readonly edgeDown: readonly Span[];
}

/**
 * Reads the faults as outages: a killed pool is out from the SIGKILL until its new process
 * listens, a stopped one from SIGSTOP to SIGCONT, a pool whose heartbeats are cut from the cut on
 * (the edge cannot see it has room), the edge from the start of its restart until it listens.
 */
export function capacityTimeline(
  poolIds: readonly string[],
  faults: readonly FaultEvent[],
  endsAt: number,
): CapacityTimeline {
  const poolOutages = new Map<string, Span[]>(poolIds.map((id) => [id, []]));
  const open = new Map<string, number>();
  const edgeDown: Span[] = [];
  const close = (poolId: string, to: number) => {
    const from = open.get(poolId);
    if (from === undefined) return;
    poolOutages.get(poolId)?.push({ from, to });
    open.delete(poolId);
  };
  for (const fault of faults) {
    const { poolId } = fault;
    switch (fault.name) {
      case 'kill-pool':
      case 'stop-pool':
      case 'cut-heartbeats':
        if (poolId) open.set(poolId, fault.at);
        break;
      case 'continue-pool':
        if (poolId) close(poolId, fault.at);
        break;
      case 'restart-pool':
        if (poolId) close(poolId, fault.endedAt);
        break;
      case 'restart-edge':
        edgeDown.push({ from: fault.at, to: fault.endedAt });
        break;
    }
  }
  for (const poolId of [...open.keys()]) close(poolId, endsAt);
  return { poolOutages, edgeDown };
}

/** True if at `at` the edge was up and some pool was in none of its outages. */
export function hadCapacity(timeline: CapacityTimeline, at: number): boolean {
  if (timeline.edgeDown.some((span) => within(span, at))) return false;
  return [...timeline.poolOutages.values()].some((spans) => !spans.some((span) => within(span, at)));
}

/** True if the span [from, to] overlaps an edge restart. */
export function overlapsEdgeRestart(timeline: CapacityTimeline, from: number, to: number): boolean {
  return timeline.edgeDown.some((span) => from < span.to && to >= span.from);
}

function within(span: Span, at: number): boolean {
  return at >= span.from && at < span.to;
}
