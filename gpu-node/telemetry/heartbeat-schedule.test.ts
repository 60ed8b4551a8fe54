import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryReport } from '../../shared/index.ts';
import { poolId, report } from '../testing/test-telemetry-report.ts';
import {
  HeartbeatClient,
  MIN_CHANGE_GAP_MS,
  RECONNECT_RETRY_MS,
  RECONNECT_WINDOW_MS,
} from './heartbeat-client.ts';

const intervalMs = 1_000;

/** Whether the in-memory edge answers, refuses connections, or lets pushes time out. */
type EdgeState = () => 'up' | 'down' | 'silent';

/**
 * A client whose signer and edge live in memory (the "token" is the report as JSON), so only
 * the fake clock decides when it pushes.
 */
function startRecordedClient(current: () => TelemetryReport, status = 204, edge: EdgeState = () => 'up') {
  const pushes: TelemetryReport[] = [];
  const errors: unknown[] = [];
  const client = new HeartbeatClient({
    edgeUrl: new URL('http://edge.test'),
    poolId,
    intervalMs,
    sign: async (telemetry) => JSON.stringify(telemetry),
    report: current,
    fetch: async (_target, init) => {
      const state = edge();
      // What undici's fetch rejects with: a refused connection, or the push's own timeout.
      if (state === 'down') throw new TypeError('fetch failed');
      if (state === 'silent')
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
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

  it('heartbeat: while the edge refuses connections, pushes retry within about a quarter second, so a restarted edge hears the pool at once', async () => {
    let state: 'up' | 'down' = 'down';
    let reports = 0;
    const { client, pushes, errors } = startRecordedClient(
      () => report({ queued: reports++ }),
      204,
      () => state,
    );
    await elapse(0);
    // Ticks alone would try twice in this second; the early retries try every 200-300 ms.
    await elapse(intervalMs);
    expect(errors.length).toBeGreaterThanOrEqual(1 + intervalMs / (1.2 * RECONNECT_RETRY_MS) - 1);
    state = 'up';
    await elapse(1.2 * RECONNECT_RETRY_MS);
    expect(pushes).toHaveLength(1);
    // Once through, only the ticks push again.
    await elapse(intervalMs - 1.2 * RECONNECT_RETRY_MS - 1);
    const afterReconnect = pushes.length;
    await elapse(intervalMs);
    expect(pushes.length - afterReconnect).toBe(1);
    await client.stop();
  });

  it('heartbeat: an edge that answers with an error or lets a push time out is not pushed to early', async () => {
    const answered = startRecordedClient(() => report(), 503);
    await elapse(intervalMs - 1);
    expect(answered.errors).toHaveLength(1);
    await answered.client.stop();

    const silent = startRecordedClient(
      () => report(),
      204,
      () => 'silent',
    );
    await elapse(intervalMs - 1);
    expect(silent.errors).toHaveLength(1);
    await silent.client.stop();
  });

  it('heartbeat: early retries stop after the reconnect window; ticks go on, and stop() ends them all', async () => {
    const { client, errors } = startRecordedClient(
      () => report(),
      204,
      () => 'down',
    );
    await elapse(RECONNECT_WINDOW_MS + intervalMs);
    const afterWindow = errors.length;
    await elapse(3 * intervalMs);
    expect(errors.length - afterWindow).toBe(3);
    await client.stop();
    const atStop = errors.length;
    await elapse(3 * intervalMs);
    expect(errors.length).toBe(atStop);
  });
});
