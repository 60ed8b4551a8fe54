import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryReport } from '../../shared/index.ts';
import { poolId, report } from '../testing/test-telemetry-report.ts';
import { HeartbeatClient, MIN_CHANGE_GAP_MS } from './heartbeat-client.ts';

const intervalMs = 1_000;

/**
 * A client whose signer and edge live in memory (the "token" is the report as JSON), so only
 * the fake clock decides when it pushes.
 */
function startRecordedClient(current: () => TelemetryReport, status = 204) {
  const pushes: TelemetryReport[] = [];
  const errors: unknown[] = [];
  const client = new HeartbeatClient({
    edgeUrl: new URL('http://edge.test'),
    poolId,
    intervalMs,
    sign: async (telemetry) => JSON.stringify(telemetry),
    report: current,
    fetch: async (_target, init) => {
      pushes.push(JSON.parse(String(init?.body)) as TelemetryReport);
      return new Response(null, { status });
    },
    onError: (error) => errors.push(error),
  });
  client.start();
  return { client, pushes, errors };
}

/** Moves the fake clock, running every timer and promise callback due on the way. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HeartbeatClient schedule', () => {
  it('heartbeat: the first report goes out at once and the next ones exactly one interval apart', async () => {
    let reports = 0;
    const { client, pushes, errors } = startRecordedClient(() => report({ queued: reports++ }));
    await elapse(0);
    expect(pushes).toHaveLength(1);
    await elapse(intervalMs - 1);
    expect(pushes).toHaveLength(1);
    await elapse(1);
    expect(pushes).toHaveLength(2);
    await elapse(intervalMs);
    expect(pushes.map((push) => push.queued)).toEqual([0, 1, 2]);
    expect(errors).toEqual([]);
    await client.stop();
  });

  it('heartbeat: notifyChange pushes a draining flip once the minimum gap has passed, long before the next tick', async () => {
    let draining = false;
    const { client, pushes } = startRecordedClient(() => report({ draining }));
    await elapse(0);
    draining = true;
    client.notifyChange();
    await elapse(MIN_CHANGE_GAP_MS - 1);
    expect(pushes).toHaveLength(1);
    await elapse(1);
    expect(pushes.map((push) => push.draining)).toEqual([false, true]);
    await client.stop();
  });

  it('heartbeat: a burst of significant changes costs one report', async () => {
    let queued = 0;
    const { client, pushes } = startRecordedClient(() => report({ queued }));
    await elapse(0);
    for (const next of [8, 10, 12]) {
      queued = next;
      client.notifyChange();
    }
    await elapse(MIN_CHANGE_GAP_MS);
    expect(pushes.map((push) => push.queued)).toEqual([0, 12]);
    await client.stop();
  });

  it('heartbeat: notifyChange stays quiet when nothing significant changed', async () => {
    let queued = 0;
    const { client, pushes } = startRecordedClient(() => report({ queued }));
    await elapse(0);
    queued = 1;
    client.notifyChange();
    await elapse(intervalMs - 1);
    expect(pushes).toHaveLength(1);

    queued = 8;
    client.notifyChange();
    await elapse(0);
    expect(pushes.map((push) => push.queued)).toEqual([0, 8]);
    await client.stop();
  });

  it('heartbeat: notifyChange pushes a material change of work though the image counts did not move', async () => {
    let queuedWork = 0;
    const { client, pushes } = startRecordedClient(() =>
      report({ queued: 1, work: { queued: queuedWork, running: 0, throughput_per_s: 10, step_curve: [] } }),
    );
    await elapse(0);
    // One large image instead of one small one: twenty seconds of this pool's work.
    queuedWork = 200;
    client.notifyChange();
    await elapse(MIN_CHANGE_GAP_MS);
    expect(pushes.map((push) => push.work?.queued)).toEqual([0, 200]);
    await client.stop();
  });

  it('heartbeat: stop() sends one final report, and then nothing more, not even a change already due', async () => {
    let draining = false;
    const { client, pushes } = startRecordedClient(() => report({ draining }));
    await elapse(0);
    draining = true;
    client.notifyChange();
    await client.stop();
    expect(pushes.map((push) => push.draining)).toEqual([false, true]);
    client.notifyChange();
    await elapse(10 * intervalMs);
    expect(pushes).toHaveLength(2);
  });

  it('heartbeat: an edge answering 500 fires onError and the next tick pushes again', async () => {
    const { client, pushes, errors } = startRecordedClient(() => report(), 500);
    await elapse(2 * intervalMs);
    expect(pushes).toHaveLength(3);
    expect(errors.map(String)).toEqual(Array(3).fill('Error: edge answered 500 to a heartbeat'));
    await client.stop();
  });
});
