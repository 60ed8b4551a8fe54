import { describe, expect, it } from 'vitest';
import { report } from '../testing/test-telemetry-report.ts';
import { isSignificantChange } from './heartbeat-change.ts';

describe('isSignificantChange', () => {
  it('heartbeat change: anything is significant when nothing was sent yet', () => {
    expect(isSignificantChange(null, report())).toBe(true);
  });

  it('heartbeat change: a flip of draining or ready is significant', () => {
    expect(isSignificantChange(report(), report({ draining: true }))).toBe(true);
    expect(isSignificantChange(report(), report({ ready: false }))).toBe(true);
    expect(isSignificantChange(report(), report({ timestamp: 1, ewma_step_ms: 12 }))).toBe(false);
  });

  it('heartbeat change: load must move by a quarter of the slots, and by at least 2 images', () => {
    expect(isSignificantChange(report({ slots: 16 }), report({ slots: 16, queued: 3 }))).toBe(false);
    expect(isSignificantChange(report({ slots: 16 }), report({ slots: 16, queued: 2, running: 2 }))).toBe(
      true,
    );
    expect(isSignificantChange(report({ slots: 16, queued: 10 }), report({ slots: 16, queued: 6 }))).toBe(
      true,
    );
    expect(isSignificantChange(report({ slots: 2 }), report({ slots: 2, running: 1 }))).toBe(false);
    expect(isSignificantChange(report({ slots: 2 }), report({ slots: 2, running: 2 }))).toBe(true);
    expect(isSignificantChange(report({ slots: 10 }), report({ slots: 10, queued: 2 }))).toBe(false);
    expect(isSignificantChange(report({ slots: 10 }), report({ slots: 10, queued: 3 }))).toBe(true);
  });

  it('heartbeat change: images moving from queued to running do not count', () => {
    expect(isSignificantChange(report({ queued: 8, running: 0 }), report({ queued: 0, running: 8 }))).toBe(
      false,
    );
  });

  it('heartbeat change: work moving by a quarter of the outstanding work and by half a second of the pool is significant', () => {
    // 100 megapixel-steps a second, measured; 4 images either way, below the image threshold.
    const speed = { throughput_per_s: 100, step_curve: [] };
    const at = (queued: number, running: number) =>
      report({ slots: 16, work: { queued, running, ...speed } });
    expect(isSignificantChange(at(100, 20), at(160, 20))).toBe(true);
    expect(isSignificantChange(at(100, 20), at(40, 20))).toBe(true);
    // A quarter, but less than the pool does in half a second.
    expect(isSignificantChange(at(10, 10), at(40, 10))).toBe(false);
    // Half a second of work, but not a quarter of what is outstanding.
    expect(isSignificantChange(at(400, 0), at(460, 0))).toBe(false);
    // Work moving from queued to running changes nothing.
    expect(isSignificantChange(at(100, 0), at(0, 100))).toBe(false);
  });

  it("heartbeat change: the best rate on the step curve counts as the pool's speed when it has been idle", () => {
    const curve = [
      { batch_megapixels: 0.25, step_ms: 10 },
      { batch_megapixels: 4, step_ms: 40 },
    ];
    // 100 megapixel-steps a second at the largest batch: half a second is 50.
    const at = (queued: number) =>
      report({ work: { queued, running: 0, throughput_per_s: 0, step_curve: curve } });
    expect(isSignificantChange(at(0), at(40))).toBe(false);
    expect(isSignificantChange(at(0), at(60))).toBe(true);
  });

  it('heartbeat change: before anything was measured any quarter move of work is significant; reports without work never differ in work', () => {
    const at = (queued: number) =>
      report({ work: { queued, running: 0, throughput_per_s: null, step_curve: [] } });
    expect(isSignificantChange(at(0), at(0.5))).toBe(true);
    expect(isSignificantChange(at(1), at(1.2))).toBe(false);
    expect(isSignificantChange(report(), at(1_000))).toBe(false);
  });
});
