import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { threadRunnableWaitMs } from './thread-wait.ts';

describe('threadRunnableWaitMs', () => {
  it('thread wait: a running total in ms on Linux that never goes back, null elsewhere', () => {
    const first = threadRunnableWaitMs();
    if (platform() !== 'linux') {
      expect(first).toBeNull();
      return;
    }
    expect(first).toBeGreaterThanOrEqual(0);
    const second = threadRunnableWaitMs();
    expect(second).toBeGreaterThanOrEqual(first ?? Number.POSITIVE_INFINITY);
  });
});
