import { expect } from 'vitest';
import type { PiggybackedLoad } from '../../shared/index.ts';
import type { BackendProbe } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import type { ConformancePool } from './conformance-fixture.ts';
import {
  conformanceJobId,
  failure,
  on,
  poll,
  type SuiteContext,
  conformanceTest as test,
} from './suite-context.ts';

/** How long a busy pool may take to show up on its channel (a probe may read stale metrics). */
const LOAD_VISIBLE_MS = 10_000;

/** `Retry-After` the fixture's rate-limited pool sends. */
const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

/**
 * The back-off and load cases: a 429 carries its `Retry-After` to failover, and a busy pool is
 * visible on the one channel the adapter declares (`fixture.loadSignal`) and idle afterwards.
 */
export function registerLoadCases(context: SuiteContext): void {
  const { call } = context;

  test('rate-limited', '429 with Retry-After: 2 is retryable, nothing started, back off 2 s', async () => {
    const { pool, release } = await context.fixture().rateLimited();
    try {
      const error = await failure(call(on(pool)));
      expect([error.status, error.retryable, error.workStarted, error.retryAfterSeconds]).toEqual([
        429,
        true,
        false,
        RATE_LIMIT_RETRY_AFTER_SECONDS,
      ]);
    } finally {
      await release();
    }
  });

  /** The load a call to `pool` piggybacks, on its result or its refusal; null when none. */
  const piggybacked = async (pool: ConformancePool): Promise<number | null> => {
    const load: PiggybackedLoad | null = await call(on(pool)).then(
      (result) => result.load,
      (error: unknown) => {
        if (BackendCallError.isInstance(error)) return error.load;
        throw error;
      },
    );
    return load === null ? null : load.queued + load.running;
  };

  /** What a probe of `pool` reports waiting and running; null when it reports neither. */
  const probed = async (pool: ConformancePool): Promise<number | null> => {
    const probe = context.fixture().backend.probe;
    expect(probe, 'loadSignal "probe" needs backend.probe').toBeTypeOf('function');
    const figures: BackendProbe = probe ? await probe({ ...on(pool) }) : { ready: false };
    if (figures.queued === undefined && figures.running === undefined) return null;
    return (figures.queued ?? 0) + (figures.running ?? 0);
  };

  /**
   * The highest queue position a call to `pool` reports. `whileBusy`: stop listening as soon as
   * a position above 0 arrives (the call would wait for the busy work), then abandon the call.
   */
  const queuePosition = async (pool: ConformancePool, whileBusy: boolean): Promise<number | null> => {
    let highest: number | null = null;
    const controller = new AbortController();
    const jobId = conformanceJobId();
    let settled = false;
    const pending = call({
      ...on(pool),
      jobId,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.kind === 'queued') highest = Math.max(highest ?? 0, progress.position);
      },
    }).finally(() => {
      settled = true;
    });
    if (whileBusy) {
      await poll(() => settled || (highest ?? 0) > 0, LOAD_VISIBLE_MS);
      controller.abort();
      await pending.catch(() => undefined);
      await context.fixture().backend.cancel({ ...on(pool), jobId });
    } else {
      await pending;
    }
    return highest;
  };

  test('load-signal', 'a busy pool shows load on the declared channel, an idle one none', async () => {
    const { loadSignal } = context.fixture();
    const { pool, release } = await context.fixture().busy();
    let busy: number | null = null;
    try {
      switch (loadSignal) {
        case 'piggyback':
          busy = await piggybacked(pool);
          break;
        case 'probe':
          await poll(async () => {
            busy = await probed(pool);
            return (busy ?? 0) > 0;
          }, LOAD_VISIBLE_MS);
          break;
        case 'progress':
          busy = await queuePosition(pool, true);
          break;
      }
    } finally {
      await release();
    }
    const idle =
      loadSignal === 'piggyback'
        ? await piggybacked(pool)
        : loadSignal === 'probe'
          ? await probed(pool)
          : ((await queuePosition(pool, false)) ?? 0);
    expect({ loadSignal, busy: (busy ?? 0) > 0, idle }).toEqual({ loadSignal, busy: true, idle: 0 });
  });
}
