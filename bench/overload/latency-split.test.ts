import { describe, expect, it } from 'vitest';
import { callTimingOf, latencySplit } from './latency-split.ts';

describe('overload latency split', () => {
  it('split: the edge’s Server-Timing header is read by metric name, in any order', () => {
    expect(
      callTimingOf(
        'total;dur=60, pool-compute;dur=40.5;desc="pool compute", pool-queue;dur=2;desc="pool queue"',
      ),
    ).toEqual({ poolQueueMs: 2, poolComputeMs: 40.5, edgeTotalMs: 60, edgeBeforePoolMs: null });
    expect(
      callTimingOf('edge-admission;dur=12.5, pool-queue;dur=2, pool-compute;dur=40, total;dur=60')
        ?.edgeBeforePoolMs,
    ).toBe(12.5);
    // Without the pool's figures (another protocol) there is nothing to split.
    expect(callTimingOf('total;dur=60')).toBeNull();
    expect(callTimingOf(null)).toBeNull();
    expect(callTimingOf('pool-queue;dur=x, pool-compute;dur=1, total;dur=2')).toBeNull();
  });

  it('split: each part of a call is what the layer inside it does not account for', () => {
    const split = latencySplit([
      {
        sentAt: 0,
        endedAt: 100,
        timing: { poolQueueMs: 5, poolComputeMs: 45, edgeTotalMs: 70, edgeBeforePoolMs: 12 },
      },
      {
        sentAt: 0,
        endedAt: 80,
        timing: { poolQueueMs: 0, poolComputeMs: 50, edgeTotalMs: 80, edgeBeforePoolMs: null },
      },
      { sentAt: 0, endedAt: 90, timing: null },
    ]);
    expect(split.timed).toBe(2);
    expect(split.edge_outside_pool_ms).toMatchObject({ count: 2, max_ms: 30 });
    // Only the calls that report it: an older edge's answers leave it out.
    expect(split.edge_before_pool_ms).toMatchObject({ count: 1, max_ms: 12 });
    expect(split.client_outside_edge_ms).toMatchObject({ count: 2, max_ms: 30 });
    expect(split.pool_compute_ms).toMatchObject({ max_ms: 50 });
  });
});
