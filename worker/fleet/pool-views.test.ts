import { describe, expect, it } from 'vitest';
import { gpuNodeEntry, idleWork } from '../testing/snapshot-fixtures.ts';
import { telemetryReport } from '../testing/test-inputs.ts';
import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';
import { toPoolViews } from './pool-views.ts';

/** A gpu-node pool's entry with the finish figures it reports (null: it has made no image yet). */
function pool(id: string, finishMs: number | null, finishMsPerMegapixel: number | null): PoolSnapshotEntry {
  const telemetry = telemetryReport({
    pool_id: id,
    work: idleWork({ finish_ms: finishMs, finish_ms_per_megapixel: finishMsPerMegapixel }),
  });
  return gpuNodeEntry(id, telemetry);
}

describe('pool views', () => {
  it('a gpu-node pool that has made no image yet is priced at the slowest finish its fleet measured', () => {
    const snapshot: FleetSnapshot = {
      version: 1,
      taken_at: 1,
      pools: [
        pool('quick', 200, 800),
        pool('slow', 300, 1_200),
        pool('fresh', null, null),
        pool('older', 250, null),
      ],
    };
    const finishOf = (id: string) => {
      const view = toPoolViews(snapshot).find(({ poolId }) => poolId === id);
      return [view?.finishMs, view?.finishMsPerMegapixel];
    };
    expect(finishOf('quick')).toEqual([200, 800]);
    expect(finishOf('fresh')).toEqual([null, 1_200]);
    // A pool that measured its average finish but not per megapixel keeps its own figure.
    expect(finishOf('older')).toEqual([250, null]);
    // No pool measured one: nothing to stand in with.
    const alone: FleetSnapshot = { version: 1, taken_at: 1, pools: [pool('fresh', null, null)] };
    expect(toPoolViews(alone)[0]?.finishMsPerMegapixel).toBeNull();
  });
});
