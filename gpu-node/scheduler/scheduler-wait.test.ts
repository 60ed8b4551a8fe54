import { describe, expect, it } from 'vitest';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler } from '../testing/test-scheduler.ts';

const large = { steps: 50, width: 512, height: 512 };
const small = { steps: 4, width: 64, height: 64 };

/**
 * A pool with four slots running `running` (one image each), then a small and a large job
 * queued, then `target`, a small job: its wait after one step of 100 ms.
 */
function waitBehind(running: ReadonlyArray<typeof large>) {
  const harness = createTestScheduler({ slots: 4, maxQueuedImages: 10 });
  const { scheduler, engine } = harness;
  running.forEach((shape, index) => {
    admit(scheduler, testJobSpec({ jobId: `running-${index}`, count: 1, ...shape }));
  });
  admit(scheduler, testJobSpec({ jobId: 'ahead-small', count: 1, ...small }));
  admit(scheduler, testJobSpec({ jobId: 'ahead-large', count: 1, ...large }));
  const target = admit(scheduler, testJobSpec({ jobId: 'target', count: 1, ...small }));
  const beforeAnyStep = scheduler.waitOf(target)?.startInMs ?? null;
  harness.now += 100;
  engine.step(100);
  return {
    beforeAnyStep,
    position: scheduler.positionOf(target),
    startInMs: scheduler.waitOf(target)?.startInMs ?? null,
    runningJobWait: scheduler.waitOf(scheduler.get('running-0', testOwner) ?? target)?.startInMs ?? null,
  };
}

describe('Scheduler wait estimate (start_in_ms)', () => {
  it('prices the images ahead by the steps they hold: the same position behind large images waits far longer', () => {
    const behindLarge = waitBehind([large, large, large, small]);
    const behindSmall = waitBehind([large, small, small, small]);
    expect(behindLarge.position).toBe(behindSmall.position);
    // Behind large images the first slot after the two jobs ahead frees when a large one ends
    // (49 steps left); behind small ones, when a small one ends (3 steps left).
    expect(behindLarge.startInMs).toBeGreaterThan(10 * (behindSmall.startInMs ?? 0));
    expect(behindSmall.startInMs).toBeGreaterThan(0);
  });

  it('reads the measured step time: 49 steps of the running batch at 100 ms', () => {
    const { startInMs } = waitBehind([large, large, large, small]);
    expect(startInMs).toBeCloseTo(49 * 100, -2);
  });

  it('says nothing before the pool has timed a step, nor for a job that has its slots', () => {
    const { beforeAnyStep, runningJobWait } = waitBehind([large, large, large, small]);
    expect(beforeAnyStep).toBeNull();
    expect(runningJobWait).toBeNull();
  });
});
