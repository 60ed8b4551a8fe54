import { describe, expect, it } from 'vitest';
import type { SchedulerLoad } from '../scheduler/scheduler-types.ts';
import { PoolMetrics } from './metrics.ts';

const idle: SchedulerLoad = {
  slots: 4,
  running: 0,
  queued: 0,
  maxQueue: 8,
  ewmaStepMs: null,
  ewmaJobMs: null,
  medianJobMs: null,
  imagesPerSecond: 0,
  draining: false,
  queuedWork: 0,
  runningWork: 0,
  workPerSecond: null,
  finishMs: null,
  finishMsPerMegapixel: null,
};

/** The exposition text of a pool's metrics whose scheduler reports `load`. */
function exposition(load: Partial<SchedulerLoad>): Promise<string> {
  const metrics = new PoolMetrics({
    poolId: 'metrics',
    version: '0.0.0',
    provider: 'cpu',
    load: () => ({ ...idle, ...load }),
    gpus: () => null,
  });
  return metrics.registry.metrics();
}

const gauge = (text: string, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];

describe('PoolMetrics work gauges', () => {
  it('metrics: a throughput decayed towards nothing while idle reads 0, not 3e-14', async () => {
    const text = await exposition({ workPerSecond: 3.2e-14 });
    expect(gauge(text, 'spillway_work_throughput_megapixel_steps_per_second')).toBe('0');
  });

  it('metrics: work gauges are written to the millionth (a pixel-step), never below 0', async () => {
    const text = await exposition({
      workPerSecond: 12.345678912345,
      queuedWork: 73.4003199999998,
      runningWork: -1.9e-13,
    });
    expect(gauge(text, 'spillway_work_throughput_megapixel_steps_per_second')).toBe('12.345679');
    expect(gauge(text, 'spillway_queued_work_megapixel_steps')).toBe('73.40032');
    expect(gauge(text, 'spillway_running_work_megapixel_steps')).toBe('0');
  });
});
