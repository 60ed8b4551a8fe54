import { afterAll, describe, expect, it } from 'vitest';
import type { ChaosStack } from '../../bench/chaos/chaos-stack.ts';
import { undoFaults } from '../../bench/chaos/faults.ts';
import { runChaos } from '../../bench/chaos/run-chaos.ts';

/** Stack start-up, 12 s of load, the jobs' ends and their re-checks, on a busy 2-core host. */
const QUICK_CHAOS_LIMIT_MS = 180_000;

/** The bench's defaults (`npm start`'s heartbeats and telemetry TTL), quick variant. */
const QUICK_OPTIONS = {
  quick: true,
  syncPerSecond: 3,
  asyncPerSecond: 2,
  heartbeatIntervalMs: 1_000,
  telemetryTtlMs: 5_000,
  drainLimitMs: 60_000,
} as const;
/** Share of sync requests that must succeed while a pool had capacity, in the quick run. */
const MIN_QUICK_SYNC_SUCCESS = 0.9;

let running: ChaosStack | null = null;
afterAll(async () => {
  // runChaos stops its stack itself, also on failure; this only matters if the test is cut off
  // mid-run (a stop waits for one already under way).
  if (running) {
    undoFaults(running);
    await running.stop();
  }
});

describe('chaos: a pool SIGKILLed under steady load (npm run bench:chaos -- --quick)', () => {
  it(
    'loses no accepted job, answers every failure with a typed envelope and stops dispatching to the dead pool',
    async () => {
      const { report } = await runChaos(
        QUICK_OPTIONS,
        () => undefined,
        (chaos) => {
          running = chaos;
        },
      );
      const { headline, jobs, sync, dead_pool: dead } = report;
      // The load really ran through the kill: jobs were accepted, and the kill fell on a pool the
      // edge was sending work to.
      expect(jobs.accepted).toBeGreaterThan(0);
      expect(report.faults.map((fault) => fault.fault)).toEqual(['kill-pool']);
      expect(dead.dispatches_in_window_before_kill).toBeGreaterThan(0);
      expect(sync.counted_while_capacity).toBeGreaterThan(0);
      // Every accepted job succeeded exactly once: one result, the same on every read, and its
      // Idempotency-Key names the same job again.
      expect({ lost: headline.lost_jobs, ids: jobs.lost_ids }).toEqual({ lost: 0, ids: [] });
      expect(jobs.succeeded).toBe(jobs.accepted);
      expect([jobs.duplicated, jobs.replay_mismatches]).toEqual([0, 0]);
      expect({ untyped: headline.untyped_errors, examples: report.untyped }).toEqual({
        untyped: 0,
        examples: [],
      });
      // Sync requests fail over past the dead pool. The 0.995 is the bench's figure over
      // hundreds of requests; here a few dozen run on a shared host, where one typed 503 (the
      // isolate briefly seeing no pool it may call) is a few percent: fewer than one in ten may
      // fail, and only as a typed, retryable refusal.
      expect(headline.sync_success_while_capacity ?? 0).toBeGreaterThanOrEqual(MIN_QUICK_SYNC_SUCCESS);
      for (const failure of Object.keys(sync.failed_while_capacity)) expect(failure).toBe('503 no_capacity');
      // The dead pool gets no dispatch once every snapshot shows its telemetry stale: a refused
      // connection ejects it in the isolate at once, missed heartbeats exclude it a little later,
      // and past the telemetry TTL nothing can list it. The 1.5 s bound is the bench's
      // figure: the first dispatch after the kill may come later than that when the pool had no
      // traffic then (docs/reliability.md, "Chaos").
      expect(headline.sent_to_dead_pool_after_s).toBeLessThan(QUICK_OPTIONS.telemetryTtlMs / 1_000);
      expect(dead.window_s).toBeGreaterThan(QUICK_OPTIONS.telemetryTtlMs / 1_000);
    },
    QUICK_CHAOS_LIMIT_MS,
  );
});
