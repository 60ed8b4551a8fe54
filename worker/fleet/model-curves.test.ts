import { describe, expect, it } from 'vitest';
import { policy } from '../testing/routing-fixtures.ts';
import { gpuNodeEntry, idleWork } from '../testing/snapshot-fixtures.ts';
import { telemetryReport } from '../testing/test-inputs.ts';
import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';
import { fleetIndexOf } from './pool-views.ts';

function entry(id: string, models: ReturnType<typeof telemetryReport>['models']): PoolSnapshotEntry {
  const telemetry = telemetryReport({
    pool_id: id,
    models,
    work: idleWork(),
  });
  return gpuNodeEntry(id, telemetry);
}

const served = (name: string, stepMs?: number) => ({
  name,
  sizes: ['512x512'],
  default_size: '512x512',
  default_steps: 25,
  max_steps: 50,
  ...(stepMs === undefined ? {} : { step_curve: [{ batch_megapixels: 1, step_ms: stepMs }] }),
});

describe('routing reads each model on its own step curve', () => {
  it('model curves: a model the pool measured on its own is routed on that curve; others on the pool’s', () => {
    const snapshot: FleetSnapshot = {
      version: 1,
      taken_at: 1,
      pools: [entry('mixed', [served('sd15', 25), served('sdxl', 120), served('tiny')])],
    };
    const curveFor = (model: string) =>
      fleetIndexOf(snapshot, model, policy).pools.find(({ poolId }) => poolId === 'mixed')?.stepCurve;
    expect(curveFor('sdxl')).toEqual([{ batch_megapixels: 1, step_ms: 120 }]);
    expect(curveFor('sd15')).toEqual([{ batch_megapixels: 1, step_ms: 25 }]);
    expect(curveFor('tiny')).toEqual([{ batch_megapixels: 1, step_ms: 40 }]);
  });
});
