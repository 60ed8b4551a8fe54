import { describe, expect, it } from 'vitest';
import { report } from '../testing/test-telemetry-report.ts';
import { isSignificantChange } from './heartbeat-client.ts';

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
});
