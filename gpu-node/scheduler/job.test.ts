import { describe, expect, it } from 'vitest';
import { recordEvents } from '../testing/record-events.ts';
import { testJobSpec } from '../testing/test-job-spec.ts';
import { Job, type JobEvent, type JobOutcome, type JobSpec } from './job.ts';
import { parseSampleId } from './sample-id.ts';

function makeJob(overrides: Partial<JobSpec> = {}): Job {
  return new Job(testJobSpec(overrides), 1, 1_000);
}

const png = new Uint8Array([137, 80, 78, 71]);

describe('Job', () => {
  it('job: emits progress only when the slowest image advances, never for step 0 or twice for a step', () => {
    const job = makeJob({ count: 2, steps: 3 });
    const events = recordEvents(job);

    job.recordStep(0, 0);
    job.recordStep(1, 0);
    expect(events).toEqual([]);

    job.recordStep(0, 1);
    job.recordStep(0, 2);
    // Image 1 is still at step 0, so the job has not advanced.
    expect(events).toEqual([]);

    job.recordStep(1, 1);
    expect(events).toEqual([{ type: 'progress', step: 1, steps: 3 }]);

    job.recordStep(1, 1);
    expect(events).toHaveLength(1);

    job.recordStep(1, 2);
    job.recordStep(1, 2);
    expect(events).toEqual([
      { type: 'progress', step: 1, steps: 3 },
      { type: 'progress', step: 2, steps: 3 },
    ]);
  });

  it('job: an image that is still waiting for a slot holds progress at zero', () => {
    const job = makeJob({ count: 2, steps: 3 });
    const events = recordEvents(job);
    job.recordStep(0, 1);
    job.recordStep(0, 2);
    expect(events).toEqual([]);
  });

  it('job: a finished image counts as all steps done and later steps for it are ignored', () => {
    const job = makeJob({ count: 2, steps: 3 });
    const events = recordEvents(job);
    job.recordStep(1, 1);
    expect(job.recordImage(0, png, 50)).toBe(false);
    expect(events).toEqual([{ type: 'progress', step: 1, steps: 3 }]);

    job.recordStep(0, 1);
    expect(job.samples[0]).toEqual({ status: 'done', png });

    expect(job.recordImage(1, png, 80)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'progress', step: 3, steps: 3 });
    expect(events).toHaveLength(2);
  });

  it('job: progress never moves backwards', () => {
    const job = makeJob({ count: 1, steps: 5 });
    const events = recordEvents(job);
    job.recordStep(0, 3);
    job.recordStep(0, 2);
    job.recordStep(0, 3);
    expect(events).toEqual([{ type: 'progress', step: 3, steps: 5 }]);
  });

  it('job: notePosition emits queued only when the position changed', () => {
    const job = makeJob();
    const events = recordEvents(job);
    job.notePosition(3);
    job.notePosition(3);
    job.notePosition(1);
    job.notePosition(1);
    job.notePosition(0);
    expect(events).toEqual([
      { type: 'queued', position: 3 },
      { type: 'queued', position: 1 },
      { type: 'queued', position: 0 },
    ]);
  });

  it('job: settles once; a second settle is ignored and `settled` resolves with the first outcome', async () => {
    const job = makeJob();
    const events = recordEvents(job);
    const first: JobOutcome = { ok: false, failure: { code: 'job_canceled', message: 'canceled by client' } };
    const second: JobOutcome = { ok: false, failure: { code: 'inference_failed', message: 'boom' } };

    job.settle(first, 2_000);
    job.settle(second, 3_000);

    await expect(job.settled).resolves.toBe(first);
    expect(job.outcome).toBe(first);
    expect(job.finished).toBe(true);
    expect(job.finishedAt).toBe(2_000);
    expect(job.state).toBe('canceled');
    expect(events).toEqual([{ type: 'settled', outcome: first }]);
  });

  it('job: settling drops subscribers, so later events reach nobody', () => {
    const job = makeJob();
    const events = recordEvents(job);
    job.settle({ ok: false, failure: { code: 'deadline_exceeded', message: 'late' } }, 2_000);
    expect(job.state).toBe('failed');
    job.notePosition(4);
    job.emit({ type: 'progress', step: 1, steps: 4 });
    expect(events).toHaveLength(1);
  });

  it('job: unsubscribe stops delivery to that listener only', () => {
    const job = makeJob();
    const kept: JobEvent[] = [];
    const dropped: JobEvent[] = [];
    job.subscribe((event) => kept.push(event));
    const unsubscribe = job.subscribe((event) => dropped.push(event));
    job.notePosition(2);
    unsubscribe();
    job.notePosition(1);
    expect(kept).toHaveLength(2);
    expect(dropped).toEqual([{ type: 'queued', position: 2 }]);
  });

  it('job: watch counts waiting clients and releasing twice counts once', () => {
    const job = makeJob();
    const releaseFirst = job.watch();
    const releaseSecond = job.watch();
    const releaseThird = job.watch();

    expect(releaseFirst()).toBe(2);
    expect(releaseFirst()).toBe(2);
    expect(releaseSecond()).toBe(1);
    expect(releaseThird()).toBe(0);
    expect(releaseSecond()).toBe(0);
  });

  it('job: successOutcome gives image i the seed firstSeed + i modulo 2^32, in order', () => {
    const job = makeJob({ count: 3, firstSeed: 2 ** 32 - 2 });
    const pngs = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
    job.startedAt = 1_250;
    job.recordImage(2, pngs[2] ?? new Uint8Array(), 30);
    job.recordImage(0, pngs[0] ?? new Uint8Array(), 90);
    job.recordImage(1, pngs[1] ?? new Uint8Array(), 60);

    const outcome = job.successOutcome(5_000);
    expect(outcome).toEqual({
      ok: true,
      images: [
        { png: pngs[0], seed: 2 ** 32 - 2 },
        { png: pngs[1], seed: 2 ** 32 - 1 },
        { png: pngs[2], seed: 0 },
      ],
      queueMs: 250,
      computeMs: 90,
    });
  });

  it('job: successOutcome counts queue time up to now for a job that never started', () => {
    const job = makeJob();
    const outcome = job.successOutcome(1_400);
    expect(outcome.ok && outcome.queueMs).toBe(400);
  });

  it('job: queuedSamples counts the images not yet handed a slot', () => {
    const job = makeJob({ count: 3 });
    expect(job.queuedSamples).toBe(3);
    job.nextQueuedSample = 2;
    expect(job.queuedSamples).toBe(1);
  });

  it('job: the engine gets image i with the request’s model, prompt, size and steps, seed s+i, and an id naming this attempt', () => {
    const job = new Job(testJobSpec({ count: 3, firstSeed: 40, steps: 9, streamProgress: true }), 17, 0);
    const sample = job.sampleSpec(2);
    expect(sample).toEqual({
      sampleId: job.sampleId(2),
      model: job.spec.model,
      prompt: job.spec.prompt,
      seed: 42,
      steps: 9,
      width: 64,
      height: 64,
      streamProgress: true,
    });
    expect(parseSampleId(sample.sampleId)).toEqual({ serial: 17, index: 2 });
  });

  it('job: runningSampleIndices lists the images in a batch', () => {
    const job = makeJob({ count: 3 });
    job.recordStep(0, 1);
    job.recordStep(2, 1);
    job.recordImage(0, png, 10);
    expect(job.runningSampleIndices()).toEqual([2]);
  });
});
