import { describe, expect, it } from 'vitest';
import type { GenerationDetails } from '../../shared/index.ts';
import { serverTimingOf } from './server-timing.ts';

const details: GenerationDetails = {
  job_id: 'job-1',
  pool_id: 'pool-a',
  model: 'spillway-tiny',
  size: '256x256',
  steps: 8,
  execution_provider: 'cpu',
  queue_ms: 3.04,
  compute_ms: 41.46,
  warnings: [],
};

/** The metrics of a header, by name, as a client would parse them. */
function metrics(header: string): Record<string, number> {
  return Object.fromEntries(
    header.split(', ').map((metric) => {
      const [name = '', ...parameters] = metric.split(';');
      const duration = parameters.find((parameter) => parameter.startsWith('dur='));
      return [name, Number(duration?.slice('dur='.length))];
    }),
  );
}

describe('server timing', () => {
  it('server timing: the pool’s queue and compute, the rest outside the pool, and the total', () => {
    const header = serverTimingOf(details, 52.04);
    expect(metrics(header)).toEqual({
      'pool-queue': 3,
      'pool-compute': 41.5,
      'outside-pool': 7.5,
      total: 52,
    });
    expect(header).toContain('pool-compute;dur=41.5;desc="pool compute"');
  });

  it('server timing: a pool without figures gives the total alone, and nothing is ever negative', () => {
    expect(serverTimingOf(undefined, 18.26)).toBe('total;dur=18.3');
    // A pool clock ahead of the edge's: its figures stand, the remainder is 0, not negative.
    expect(metrics(serverTimingOf({ ...details, compute_ms: 90 }, 50))).toMatchObject({ 'outside-pool': 0 });
    expect(metrics(serverTimingOf({ ...details, queue_ms: -1 }, 50))['pool-queue']).toBe(0);
  });

  it('server timing: the time before the first pool call, within the total', () => {
    expect(metrics(serverTimingOf(details, 52.04, 6.02))).toEqual({
      'edge-admission': 6,
      'pool-queue': 3,
      'pool-compute': 41.5,
      'outside-pool': 7.5,
      total: 52,
    });
    expect(metrics(serverTimingOf(undefined, 18, 25))).toEqual({ 'edge-admission': 18, total: 18 });
  });
});
