import type { GenerationDetails } from '../../shared/index.ts';

/** One `Server-Timing` metric: its name, duration in ms and description. */
interface TimingMetric {
  readonly name: string;
  readonly durationMs: number;
  readonly description: string;
}

/**
 * The `Server-Timing` header (W3C Server Timing) of a served generation: where its time went, as
 * far as the edge knows it. `pool-queue` and `pool-compute` are the pool's own figures (gpu-node's
 * `queue_ms` and `compute_ms`), `outside-pool` the rest of the edge's time (admission, routing,
 * the network, moving the images), and `total` the edge's whole time. `edge-admission`, part of
 * `outside-pool`, is the time before the first pool call (limits, routing, and a wait for a turn
 * when the fleet was full at the request's tier). A pool that reports no figures (other
 * protocols) gives `total` (and `edge-admission`) alone. Browser devtools show it; clients can
 * read it.
 *
 * @example
 * serverTimingOf({ queue_ms: 3, compute_ms: 41.5, … }, 52)
 * // 'pool-queue;dur=3;desc="pool queue", pool-compute;dur=41.5;desc="pool compute", outside-pool;dur=7.5;desc="edge and network", total;dur=52'
 */
export function serverTimingOf(
  details: GenerationDetails | undefined,
  totalMs: number,
  beforePoolMs?: number,
): string {
  const total = Math.max(0, totalMs);
  const metrics: TimingMetric[] = [];
  if (beforePoolMs !== undefined) {
    metrics.push({
      name: 'edge-admission',
      durationMs: Math.min(total, Math.max(0, beforePoolMs)),
      description: 'edge before the pool call',
    });
  }
  if (details) {
    const queue = Math.max(0, details.queue_ms);
    const compute = Math.max(0, details.compute_ms);
    metrics.push(
      { name: 'pool-queue', durationMs: queue, description: 'pool queue' },
      { name: 'pool-compute', durationMs: compute, description: 'pool compute' },
      {
        name: 'outside-pool',
        durationMs: Math.max(0, total - queue - compute),
        description: 'edge and network',
      },
    );
  }
  metrics.push({ name: 'total', durationMs: total, description: '' });
  return metrics
    .map(({ name, durationMs, description }) => {
      const duration = `${name};dur=${Math.round(durationMs * 10) / 10}`;
      return description ? `${duration};desc="${description}"` : duration;
    })
    .join(', ');
}
