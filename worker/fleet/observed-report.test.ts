import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telemetryReportSchema } from '../../shared/index.ts';
import { type ObservedReportInput, observedReport, speedFromReport } from './observed-report.ts';

const unmeasured = { msPerWork: null, jobMs: null, imageMegapixels: null };
const input = (overrides: Partial<ObservedReportInput> = {}): ObservedReportInput => ({
  pool: { id: 'openai-1', capacity: 4, ms_per_megapixel_step: null },
  inFlightImages: 0,
  imagesPerSecond: 0,
  speed: unmeasured,
  probe: null,
  now: 1_800_000_000_000,
  ...overrides,
});

describe('observed reports (pools that push no telemetry)', () => {
  it("observed report: within the schema's bounds whatever the provider's metrics and timings say (1e308, +Inf, NaN)", () => {
    const anything = fc.double();
    const measured = fc.option(anything, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          capacity: fc.integer({ min: 1, max: 10_000 }),
          declared: fc.option(fc.double({ min: 1e-300, max: 100_000, noNaN: true }), { nil: null }),
          inFlightImages: fc.nat(),
          imagesPerSecond: anything,
          msPerWork: measured,
          jobMs: measured,
          imageMegapixels: measured,
          probe: fc.option(fc.record({ ready: fc.boolean(), queued: anything, running: anything }), {
            nil: null,
          }),
        }),
        ({ capacity, declared, msPerWork, jobMs, imageMegapixels, ...figures }) => {
          const report = observedReport(
            input({
              ...figures,
              pool: { id: 'p', capacity, ms_per_megapixel_step: declared },
              speed: { msPerWork, jobMs, imageMegapixels },
            }),
          );
          expect(telemetryReportSchema.safeParse(report).error).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('observed report: valid in the shared schema, remote, with the registered capacity as slots', () => {
    const report = observedReport(input());
    expect(telemetryReportSchema.parse(report)).toEqual(report);
    expect([report.execution_provider, report.slots, report.running, report.queued]).toEqual([
      'remote',
      4,
      0,
      0,
    ]);
  });

  it('observed report: nothing measured or declared gives an empty curve (routing assumes the fleet median)', () => {
    expect(observedReport(input()).work?.step_curve).toEqual([]);
  });

  it('observed report: the declared speed stands in until one is measured, which then wins', () => {
    const declared = observedReport(input({ pool: { id: 'p', capacity: 4, ms_per_megapixel_step: 20 } }));
    expect(declared.work?.step_curve).toEqual([
      { batch_megapixels: 1, step_ms: 20 },
      { batch_megapixels: 4, step_ms: 20 },
    ]);
    const measured = observedReport(
      input({
        pool: { id: 'p', capacity: 4, ms_per_megapixel_step: 20 },
        speed: { msPerWork: 50, jobMs: 2_000, imageMegapixels: 0.25 },
      }),
    );
    expect(measured.work?.step_curve).toEqual([
      { batch_megapixels: 0.25, step_ms: 12.5 },
      { batch_megapixels: 1, step_ms: 12.5 },
    ]);
    expect(speedFromReport(measured)).toEqual({ msPerWork: 50, jobMs: 2_000, imageMegapixels: 0.25 });
  });

  it('observed report: in-flight images past the capacity queue; a probe showing more wins', () => {
    const ours = observedReport(
      input({ inFlightImages: 6, speed: { msPerWork: 10, jobMs: 400, imageMegapixels: 1 } }),
    );
    expect([ours.running, ours.queued]).toEqual([4, 2]);
    // 400 ms a request at 10 ms per megapixel-step: 40 megapixel-steps an image.
    expect([ours.work?.running, ours.work?.queued]).toEqual([160, 80]);
    const probed = observedReport(
      input({ inFlightImages: 1, probe: { ready: true, queued: 7, running: 2 } }),
    );
    expect([probed.running, probed.queued]).toEqual([2, 7]);
  });

  it('observed report: a probe that found the pool not ready makes it not ready', () => {
    expect(observedReport(input({ probe: { ready: false } })).ready).toBe(false);
    expect(observedReport(input({ probe: null })).ready).toBe(true);
  });

  it('observed report: a gpu-node report says nothing about an observed speed', () => {
    const pushed = {
      ...observedReport(input({ speed: { msPerWork: 5, jobMs: 10, imageMegapixels: 1 } })),
      version: '0.1.0',
    };
    expect(speedFromReport(pushed)).toEqual(unmeasured);
  });
});
