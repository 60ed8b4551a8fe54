import type { CapacitySweep, UnloadedLatency } from './baseline.ts';
import type { PoolLoadSummary } from './fleet-sampler.ts';
import type { CallRecord } from './generation-call.ts';
import type { TenantLoad } from './open-loop.ts';
import type { OverloadOptions } from './overload-options.ts';
import type { AttemptOutcomes, PoolComputeSummary } from './pool-compute.ts';
import type { ProcessMemory } from './process-memory.ts';

/** Everything one run measured, before it is summarised. */
export interface OverloadRun {
  readonly options: OverloadOptions;
  readonly unloaded: UnloadedLatency;
  readonly capacity: CapacitySweep;
  readonly loads: readonly TenantLoad[];
  readonly records: readonly CallRecord[];
  readonly memory: Record<string, ProcessMemory>;
  /** Each pool's load as it reported it during the overload. */
  readonly pools: Record<string, PoolLoadSummary>;
  /** Share of the host's CPU time (all cores, every process on it) busy during the overload. */
  readonly hostBusyShare: number;
  /** What the pools computed during the overload, against what the clients got. */
  readonly poolCompute: PoolComputeSummary;
  /** The edge's pool calls during the overload, by how they ended (`tie_lost`, `hedge_lost`, `rerouted` …). */
  readonly attempts: AttemptOutcomes;
}
