import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { round } from '../gpu-node/percentiles.ts';

/** How often the registry is read during the load. */
const SAMPLE_INTERVAL_MS = 1_000;

/** One pool's reported load over the run: whether the fleet was kept busy, and how fast it stepped. */
export interface PoolLoadSummary {
  readonly samples: number;
  /** Mean images running + queued, as the pool reported them. */
  readonly mean_images_in_pool: number | null;
  /** Share of samples with nothing running or queued. */
  readonly idle_share: number | null;
  readonly mean_ewma_step_ms: number | null;
  readonly mean_reported_images_per_s: number | null;
}

/** A running sampler of the registry's pool listing. */
export interface FleetSampler {
  stop(): Promise<Record<string, PoolLoadSummary>>;
}

/**
 * Reads `GET /v1/admin/pools` every second and summarises each pool's reported load: a fleet shed
 * down to idle pools (predictions too pessimistic) reads differently from one that was busy but
 * slow (cores taken by the edge and the load).
 */
export function sampleFleet(stack: LocalStack): FleetSampler {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const samples = new Map<string, Array<{ inPool: number; stepMs: number | null; perSecond: number }>>();
  let lastSeen = new Map<string, number>();
  const sample = async () => {
    const pools = await admin.listPools().catch(() => []);
    const seen = new Map<string, number>();
    for (const pool of pools) {
      const { telemetry } = pool;
      if (!telemetry) continue;
      seen.set(pool.id, telemetry.timestamp);
      // A report seen before adds nothing.
      if (lastSeen.get(pool.id) === telemetry.timestamp) continue;
      const list = samples.get(pool.id) ?? [];
      list.push({
        inPool: telemetry.running + telemetry.queued,
        stepMs: telemetry.ewma_step_ms,
        perSecond: telemetry.throughput_images_per_s,
      });
      samples.set(pool.id, list);
    }
    lastSeen = seen;
  };
  const timer = setInterval(() => void sample(), SAMPLE_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      return Object.fromEntries(
        [...samples].map(([poolId, list]) => {
          const mean = (values: readonly number[]) =>
            values.length === 0
              ? null
              : round(values.reduce((sum, value) => sum + value, 0) / values.length, 2);
          const steps = list.flatMap((entry) => (entry.stepMs === null ? [] : [entry.stepMs]));
          return [
            poolId,
            {
              samples: list.length,
              mean_images_in_pool: mean(list.map((entry) => entry.inPool)),
              idle_share: mean(list.map((entry) => (entry.inPool === 0 ? 1 : 0))),
              mean_ewma_step_ms: mean(steps),
              mean_reported_images_per_s: mean(list.map((entry) => entry.perSecond)),
            },
          ];
        }),
      );
    },
  };
}
