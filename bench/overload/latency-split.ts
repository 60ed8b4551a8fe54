import { type LatencySummary, summarize } from '../gpu-node/percentiles.ts';

/** Where one served call's time went, from the edge's `Server-Timing` header and the client's clock. */
export interface CallTiming {
  /** The pool's own queue and compute (gpu-node's figures), ms. */
  readonly poolQueueMs: number;
  readonly poolComputeMs: number;
  /** The edge's whole time for the request, ms. */
  readonly edgeTotalMs: number;
  /** The edge's time before its first pool call (`edge-admission`), ms; null from an edge without it. */
  readonly edgeBeforePoolMs: number | null;
}

/** A served call's latency with its timing, as the split reads it. */
export interface TimedCall {
  readonly sentAt: number;
  readonly endedAt: number;
  readonly timing: CallTiming | null;
}

/** The parts of served calls' latency, each summarised on its own (the p99s do not add up). */
export interface LatencySplit {
  /** Calls whose answer carried pool figures. */
  readonly timed: number;
  readonly pool_queue_ms: LatencySummary;
  readonly pool_compute_ms: LatencySummary;
  /** The edge's time around the pool's: admission, routing, waiting for a turn, the network, the images' transfer. */
  readonly edge_outside_pool_ms: LatencySummary;
  /** Its part before the first pool call: limits, routing and a wait for a turn (calls that report it). */
  readonly edge_before_pool_ms: LatencySummary;
  /** The client's time around the edge's: the load generator and the connection. */
  readonly client_outside_edge_ms: LatencySummary;
}

/** Each metric's duration in a `Server-Timing` header (ms), by name; metrics without `dur` are left out. */
export function serverTimingDurations(header: string): Map<string, number> {
  const durations = new Map<string, number>();
  for (const metric of header.split(',')) {
    const [name = '', ...parameters] = metric.trim().split(';');
    const duration = parameters.find((parameter) => parameter.trim().startsWith('dur='));
    if (duration !== undefined) durations.set(name.trim(), Number(duration.trim().slice('dur='.length)));
  }
  return durations;
}

/** The pool and edge durations of a `Server-Timing` header; null without pool figures. */
export function callTimingOf(header: string | null): CallTiming | null {
  if (!header) return null;
  const durations = serverTimingDurations(header);
  const poolQueueMs = durations.get('pool-queue');
  const poolComputeMs = durations.get('pool-compute');
  const edgeTotalMs = durations.get('total');
  if (poolQueueMs === undefined || poolComputeMs === undefined || edgeTotalMs === undefined) return null;
  if (![poolQueueMs, poolComputeMs, edgeTotalMs].every(Number.isFinite)) return null;
  const beforePool = durations.get('edge-admission');
  const edgeBeforePoolMs = beforePool !== undefined && Number.isFinite(beforePool) ? beforePool : null;
  return { poolQueueMs, poolComputeMs, edgeTotalMs, edgeBeforePoolMs };
}

/** Splits served calls' latency into the pool's part, the edge's around it and the client's around that. */
export function latencySplit(calls: readonly TimedCall[]): LatencySplit {
  const timed = calls.flatMap((call) =>
    call.timing ? [{ ...call.timing, latency: call.endedAt - call.sentAt }] : [],
  );
  return {
    timed: timed.length,
    pool_queue_ms: summarize(timed.map((call) => call.poolQueueMs)),
    pool_compute_ms: summarize(timed.map((call) => call.poolComputeMs)),
    edge_outside_pool_ms: summarize(
      timed.map((call) => Math.max(0, call.edgeTotalMs - call.poolQueueMs - call.poolComputeMs)),
    ),
    edge_before_pool_ms: summarize(
      timed.flatMap((call) => (call.edgeBeforePoolMs === null ? [] : [call.edgeBeforePoolMs])),
    ),
    client_outside_edge_ms: summarize(timed.map((call) => Math.max(0, call.latency - call.edgeTotalMs))),
  };
}
