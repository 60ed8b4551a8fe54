import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_STEP_MS } from '../../gpu-node/testing/fake-batch-engine.ts';
import type { HeldEngine } from '../../gpu-node/testing/held-engine.ts';
import {
  freshFakeEnginePoolPerTest,
  startHeldEnginePool,
  startTestPool,
  type TestPool,
} from '../../gpu-node/testing/test-pool.ts';
import {
  imageMegapixels,
  type PiggybackedLoad,
  parseLoadHeaders,
  requestWork,
  roundWorkFigure,
  type TelemetryReport,
  telemetryReportSchema,
} from '../../shared/index.ts';
import { eventually, expectSuccess, generate, metrics, metricValue } from '../support/pool-client.ts';

const work = (n: number, steps: number, size: string) => requestWork({ n, steps, size });

/** GET /v1/telemetry: the report and the load headers of the same answer. */
async function telemetryWithHeaders(
  baseUrl: string,
): Promise<{ report: TelemetryReport; load: PiggybackedLoad | null }> {
  const response = await fetch(`${baseUrl}/v1/telemetry`);
  return {
    report: telemetryReportSchema.parse(await response.json()),
    load: parseLoadHeaders(response.headers),
  };
}

/** Checks report, headers and /metrics agree with each other and with the expected work. */
async function expectWorkEverywhere(baseUrl: string, expected: { queued: number; running: number }) {
  const { report, load } = await telemetryWithHeaders(baseUrl);
  expect(report.work).toMatchObject({
    queued: roundWorkFigure(expected.queued),
    running: roundWorkFigure(expected.running),
  });
  expect(load).toMatchObject({ queuedWork: report.work?.queued, runningWork: report.work?.running });
  const families = await metrics(baseUrl);
  expect(metricValue(families, 'spillway_queued_work_megapixel_steps')).toBeCloseTo(expected.queued, 9);
  expect(metricValue(families, 'spillway_running_work_megapixel_steps')).toBeCloseTo(expected.running, 9);
  return report;
}

describe('gpu-node work figures (fake engine)', () => {
  // The real gpu-node server on 127.0.0.1 around an engine that steps only when told to, so the
  // work each figure should show is known whatever this host's speed.
  const currentPool = freshFakeEnginePoolPerTest({
    poolId: 'work',
    workers: 1,
    maxBatchSize: 2,
    maxQueueSize: 8,
  });

  it('work: a pool that has measured nothing reports no curve and no throughput, never invented ones', async () => {
    const pool = currentPool();
    const { report, load } = await telemetryWithHeaders(pool.url);
    expect(report.work).toEqual({
      queued: 0,
      running: 0,
      throughput_per_s: null,
      batches: 1,
      step_curve: [],
      finish_ms: null,
      finish_ms_per_megapixel: null,
    });
    expect(load).toMatchObject({ queuedWork: 0, runningWork: 0 });
    // Prometheus has no null: the gauge reads 0 until the first step.
    const families = await metrics(pool.url);
    expect(metricValue(families, 'spillway_work_throughput_megapixel_steps_per_second')).toBe(0);
  });

  it('work: telemetry, load headers and /metrics carry the same queued and running work as the jobs hold', async () => {
    const pool = currentPool();
    const small = generate(pool.url, { prompt: 'small', seed: 1, size: '64x64', steps: 4, n: 2 });
    await pool.engine.whenSubmitted(2);
    const large = generate(pool.url, { prompt: 'large', seed: 2, size: '512x512', steps: 10 });
    await eventually(() => pool.scheduler.load().queued === 1);
    // Model defaults count: 256x256 as asked, the model's 30 steps.
    const medium = generate(pool.url, { prompt: 'medium', seed: 3, size: '256x256', n: 3 });
    await eventually(() => pool.scheduler.load().queued === 4);
    const defaultSteps = pool.context.servedModels[0]?.default_steps ?? 0;
    const queued = work(1, 10, '512x512') + work(3, defaultSteps, '256x256');
    await expectWorkEverywhere(pool.url, { queued, running: work(2, 4, '64x64') });

    pool.engine.step();
    pool.engine.step();
    await expectWorkEverywhere(pool.url, { queued, running: work(2, 2, '64x64') });

    pool.engine.runFreely();
    const answers = await Promise.all([small, large, medium]);
    for (const answer of answers) {
      expectSuccess(answer);
      expect(parseLoadHeaders(answer.headers)).toMatchObject({
        queuedWork: expect.any(Number),
        runningWork: expect.any(Number),
      });
    }
    const report = await expectWorkEverywhere(pool.url, { queued: 0, running: 0 });
    expect(report.work?.throughput_per_s).toBeGreaterThan(0);
    const families = await metrics(pool.url);
    expect(metricValue(families, 'spillway_work_throughput_megapixel_steps_per_second')).toBeGreaterThan(0);
    const curve = report.work?.step_curve ?? [];
    expect(curve.length).toBeGreaterThan(0);
    // Every step of the fake engine reports the same time, so every measured point says so.
    expect(curve.map((point) => point.step_ms)).toEqual(curve.map(() => FAKE_STEP_MS));
    // The batches it ran: two 64x64 images, then 512x512 and 256x256 ones.
    expect(curve[0]?.batch_megapixels).toBeCloseTo(2 * imageMegapixels('64x64'), 6);
    const sorted = curve.map((point) => point.batch_megapixels).sort((a, b) => a - b);
    expect(curve.map((point) => point.batch_megapixels)).toEqual(sorted);
  });
});

describe('gpu-node work figures (ONNX Runtime engine)', () => {
  let pool: TestPool<HeldEngine>;
  beforeAll(async () => {
    pool = await startTestPool(startHeldEnginePool, { poolId: 'work-real', workers: 1, maxBatchSize: 4 });
    pool.engine.release();
  });
  afterAll(async () => {
    await pool.stop();
  });

  it('work: the real engine measures its step curve and throughput from its own steps', async () => {
    expectSuccess(await generate(pool.url, { prompt: 'measure me', seed: 4, size: '64x64', steps: 3 }));
    const { report, load } = await telemetryWithHeaders(pool.url);
    expect(report.work?.throughput_per_s).toBeGreaterThan(0);
    expect(report.work?.step_curve).toEqual([
      { batch_megapixels: imageMegapixels('64x64'), step_ms: expect.any(Number) },
    ]);
    expect(report.work?.step_curve[0]?.step_ms).toBeGreaterThan(0);
    expect(load).toMatchObject({ queuedWork: 0, runningWork: 0 });
  });
});
