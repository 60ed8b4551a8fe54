import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_REPORTED_COUNT,
  MAX_REPORTED_MS,
  MAX_REPORTED_WORK,
  MIN_CURVE_MEGAPIXELS,
  MIN_CURVE_STEP_MS,
  type TelemetryReport,
  telemetryReportSchema,
} from '../../shared/index.ts';
import { noObservations, type RoutingRequest } from '../routing/fleet-view.ts';
import { pickPools, rankPools } from '../routing/pick-pool.ts';
import { policy, seeded } from '../testing/routing-fixtures.ts';
import { gpuNodeEntry } from '../testing/snapshot-fixtures.ts';
import { telemetryReport } from '../testing/test-inputs.ts';
import type { FleetSnapshot } from './fleet-records.ts';
import { fleetIndexOf, toPoolViews } from './pool-views.ts';

const NOW = 1_800_000_000_000;
const MODEL = 'tiny';

const model = { name: MODEL, sizes: ['64x64'], default_size: '64x64', default_steps: 4, max_steps: 50 };

function honest(id: string): TelemetryReport {
  return telemetryReport({
    pool_id: id,
    timestamp: NOW,
    models: [model],
    work: {
      queued: 0.1,
      running: 0.05,
      throughput_per_s: 2,
      batches: 1,
      step_curve: [{ batch_megapixels: 0.004, step_ms: 20 }],
    },
  });
}

/** Each bound itself, a value near it, or anything between: where overflow and NaN hide. */
const within = (min: number, max: number) =>
  fc.oneof(fc.constantFrom(min, max), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
const count = () => fc.oneof(fc.constantFrom(0, 1, MAX_REPORTED_COUNT), fc.nat(MAX_REPORTED_COUNT));
const ms = () => within(0, MAX_REPORTED_MS);
const work = () => within(0, MAX_REPORTED_WORK);
const point = fc.record({
  batch_megapixels: within(MIN_CURVE_MEGAPIXELS, MAX_REPORTED_WORK),
  step_ms: within(MIN_CURVE_STEP_MS, MAX_REPORTED_MS),
});
const curve = fc.array(point, { maxLength: 8 }).map((points) =>
  // gpu-node reports its points by increasing batch; the schema does not insist, routing sorts.
  points.sort((a, b) => a.batch_megapixels - b.batch_megapixels),
);

/** Any report the schema accepts, its figures anywhere in their allowed ranges. */
const extremeReport = fc
  .record({
    slots: count(),
    running: count(),
    queued: count(),
    max_queue: count(),
    ewma_step_ms: fc.option(ms()),
    ewma_job_ms: fc.option(ms()),
    p50_job_ms: fc.option(ms()),
    throughput_images_per_s: work(),
    default_steps: fc.integer({ min: 1, max: MAX_REPORTED_COUNT }),
    modelCurve: fc.option(curve),
    work: fc.option(
      fc.record({
        queued: work(),
        running: work(),
        throughput_per_s: fc.option(work()),
        batches: fc.integer({ min: 1, max: MAX_REPORTED_COUNT }),
        step_curve: curve,
        finish_ms: fc.option(ms()),
        finish_ms_per_megapixel: fc.option(ms()),
      }),
    ),
  })
  .map(({ default_steps, modelCurve, work: reportedWork, ...figures }) =>
    telemetryReportSchema.parse({
      ...honest('hostile'),
      ...figures,
      models: [
        {
          ...model,
          default_steps,
          max_steps: MAX_REPORTED_COUNT,
          ...(modelCurve ? { step_curve: modelCurve } : {}),
        },
      ],
      work: reportedWork ?? undefined,
    }),
  );

const request: RoutingRequest = {
  model: MODEL,
  images: 1,
  steps: 4,
  imageMegapixels: 0.004096,
  allowedProviders: [],
  allowedRegions: [],
};

describe('a pool reporting extreme figures', () => {
  it('telemetry: figures past any real pool are refused (1e308 work overflowed routing to NaN and hung it)', () => {
    const report = honest('hostile');
    const refused = (patch: object) => !telemetryReportSchema.safeParse({ ...report, ...patch }).success;
    const work = report.work ?? { queued: 0, running: 0, throughput_per_s: null, step_curve: [] };
    expect(refused({ work: { ...work, queued: 1e308, running: 1e308 } })).toBe(true);
    expect(refused({ work: { ...work, step_curve: [{ batch_megapixels: 1, step_ms: 5e-324 }] } })).toBe(true);
    expect(refused({ work: { ...work, step_curve: [{ batch_megapixels: 5e-324, step_ms: 1 }] } })).toBe(true);
    expect(refused({ slots: Number.MAX_SAFE_INTEGER })).toBe(true);
    expect(refused({ ewma_job_ms: 1e300 })).toBe(true);
  });

  it('telemetry: whatever the schema lets a pool report, routing answers, ranks it by a number (passes it over with no slot), and an honest pool beside it keeps a finite prediction', () => {
    fc.assert(
      fc.property(extremeReport, fc.nat(), (hostile, seed) => {
        const snapshot: FleetSnapshot = {
          version: 1,
          taken_at: NOW,
          pools: [gpuNodeEntry('hostile', hostile, NOW), gpuNodeEntry('honest', honest('honest'), NOW)],
        };
        const input = { request, observations: noObservations, policy, now: NOW, random: seeded(seed) };
        const ranked = rankPools({ ...input, pools: toPoolViews(snapshot) });
        const picked = pickPools(fleetIndexOf(snapshot, MODEL, policy), input);
        // A pool reporting no slot can run nothing and is passed over (eligibility's `no-slots`).
        const ranks = hostile.slots > 0 ? ['honest', 'hostile'] : ['honest'];
        for (const candidates of [ranked, picked]) {
          expect(candidates.map(({ pool }) => pool.poolId).sort()).toEqual(ranks);
          for (const { predictedMs } of candidates) expect(Number.isNaN(predictedMs)).toBe(false);
          const honestPrediction = candidates.find(({ pool }) => pool.poolId === 'honest')?.predictedMs;
          expect(Number.isFinite(honestPrediction)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
