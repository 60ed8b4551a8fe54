import { describe, expect, it } from 'vitest';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler } from '../testing/test-scheduler.ts';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Scheduler admission', () => {
  it('scheduler: admits images up to the free slots plus the queue limit, then answers queue_full', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2, maxQueuedImages: 4 });
    admit(scheduler, testJobSpec({ jobId: 'six', count: 6 }));
    expect(scheduler.load()).toMatchObject({ running: 2, queued: 4 });
    expect(scheduler.submit(testJobSpec({ jobId: 'one-more' }))).toEqual({
      ok: false,
      reason: 'queue_full',
      retryAfterSeconds: 1,
    });
    expect(scheduler.get('one-more', testOwner)).toBeUndefined();
    expect(engine.submitted).toHaveLength(2);
  });

  it('scheduler: a job of more images than there is room for is refused even on an idle pool', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2, maxQueuedImages: 4 });
    expect(scheduler.submit(testJobSpec({ count: 7 }))).toMatchObject({ ok: false, reason: 'queue_full' });
    expect(engine.submitted).toEqual([]);
    expect(scheduler.load().queued).toBe(0);
  });

  it('scheduler: queue_full asks for a retry after the time the queue takes to drain at the measured rate', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 1, maxQueuedImages: 2 });
    for (const round of [
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]) {
      for (const jobId of round) admit(scheduler, testJobSpec({ jobId, steps: 1 }));
      engine.runUntilIdle();
    }
    for (const jobId of ['f', 'g', 'h']) admit(scheduler, testJobSpec({ jobId, steps: 1 }));
    // 5 images in the 10 s window: 0.5 a second, so the 2 queued and this one need 6 s.
    expect(scheduler.submit(testJobSpec({ jobId: 'i' }))).toEqual({
      ok: false,
      reason: 'queue_full',
      retryAfterSeconds: 6,
    });
  });

  it('scheduler: a high-priority job takes the next free slot before normal ones queued earlier; low goes last', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 1 });
    admit(scheduler, testJobSpec({ jobId: 'blocker', steps: 1 }));
    admit(scheduler, testJobSpec({ jobId: 'normal-1', steps: 1 }));
    admit(scheduler, testJobSpec({ jobId: 'low', steps: 1, priority: 'low' }));
    admit(scheduler, testJobSpec({ jobId: 'normal-2', steps: 1 }));
    admit(scheduler, testJobSpec({ jobId: 'high', steps: 1, priority: 'high' }));
    engine.runUntilIdle();
    expect(engine.submitted.map((sample) => sample.prompt)).toEqual(
      ['blocker', 'high', 'normal-1', 'normal-2', 'low'].map((jobId) => testJobSpec({ jobId }).prompt),
    );
  });

  it('scheduler: the same job id and body joins the job instead of computing it again, while running and after', () => {
    const { scheduler, engine } = createTestScheduler();
    const job = admit(scheduler, testJobSpec({ jobId: 'once' }));
    expect(scheduler.submit(testJobSpec({ jobId: 'once' }))).toEqual({ ok: true, job, joined: true });
    engine.runUntilIdle();
    expect(scheduler.submit(testJobSpec({ jobId: 'once' }))).toEqual({ ok: true, job, joined: true });
    expect(engine.submitted).toHaveLength(1);
  });

  it('scheduler: the same job id with another body is a job_id_conflict, while running and after', () => {
    const { scheduler, engine } = createTestScheduler();
    admit(scheduler, testJobSpec({ jobId: 'taken' }));
    const other = testJobSpec({ jobId: 'taken', fingerprint: 'another body' });
    expect(scheduler.submit(other)).toEqual({ ok: false, reason: 'job_id_conflict' });
    engine.runUntilIdle();
    expect(scheduler.submit(other)).toEqual({ ok: false, reason: 'job_id_conflict' });
  });

  it('scheduler: a canceled job id may be submitted again and runs as a new attempt', () => {
    const { scheduler, engine } = createTestScheduler();
    const first = admit(scheduler, testJobSpec({ jobId: 'again' }));
    scheduler.cancel('again', testOwner);
    const second = scheduler.submit(testJobSpec({ jobId: 'again' }));
    expect(second).toMatchObject({ ok: true, joined: false });
    expect(second.ok && second.job).not.toBe(first);
    expect(scheduler.get('again', testOwner)).toBe(second.ok && second.job);
    engine.runUntilIdle();
    expect([first.state, scheduler.get('again', testOwner)?.state]).toEqual(['canceled', 'succeeded']);
  });

  it('scheduler: late engine events of a replaced attempt do not touch the new one', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2 });
    const old = admit(scheduler, testJobSpec({ jobId: 'retried' }));
    scheduler.cancel('retried', testOwner);
    const replacement = admit(scheduler, testJobSpec({ jobId: 'retried' }));
    engine.fail(old.sampleId(0), 'a late failure of the old attempt');
    expect(replacement.state).toBe('running');
    engine.runUntilIdle();
    expect(replacement.state).toBe('succeeded');
  });

  it('scheduler: draining refuses new jobs and resolves only once queued and running work is done', async () => {
    const { scheduler, engine, observed } = createTestScheduler({ slots: 1 });
    const running = admit(scheduler, testJobSpec({ jobId: 'running', steps: 1 }));
    const queued = admit(scheduler, testJobSpec({ jobId: 'queued', steps: 1 }));
    const changesBefore = observed.changes;
    let drained = false;
    void scheduler.drain().then(() => {
      drained = true;
    });
    expect([scheduler.draining, scheduler.load().draining, observed.changes]).toEqual([
      true,
      true,
      changesBefore + 1,
    ]);
    expect(scheduler.submit(testJobSpec({ jobId: 'late' }))).toEqual({ ok: false, reason: 'draining' });
    expect(scheduler.submit(testJobSpec({ jobId: 'queued' }))).toEqual({
      ok: true,
      job: queued,
      joined: true,
    });

    engine.step();
    await settle();
    expect([running.state, queued.state, drained]).toEqual(['succeeded', 'running', false]);
    engine.step();
    await settle();
    expect([queued.state, drained]).toEqual(['succeeded', true]);
  });

  it('scheduler: draining waits for a canceled image to leave the engine', async () => {
    const { scheduler, engine } = createTestScheduler({ slots: 1 });
    admit(scheduler, testJobSpec({ jobId: 'canceled', steps: 10 }));
    let drained = false;
    void scheduler.drain().then(() => {
      drained = true;
    });
    scheduler.cancel('canceled', testOwner);
    await settle();
    expect(drained).toBe(false);
    engine.step();
    await settle();
    expect(drained).toBe(true);
  });

  it('scheduler: draining an idle scheduler resolves at once', async () => {
    const { scheduler } = createTestScheduler();
    await expect(scheduler.drain()).resolves.toBeUndefined();
  });

  it('scheduler: a finished job is kept for its result TTL, then forgotten', () => {
    const harness = createTestScheduler({ resultTtlMs: 1_000 });
    const { scheduler, engine } = harness;
    const job = admit(scheduler, testJobSpec({ jobId: 'kept' }));
    engine.runUntilIdle();
    harness.now += 1_000;
    expect(scheduler.get('kept', testOwner)).toBe(job);
    harness.now += 1;
    expect(scheduler.get('kept', testOwner)).toBeUndefined();
    expect(scheduler.submit(testJobSpec({ jobId: 'kept' }))).toMatchObject({ ok: true, joined: false });
  });

  it('scheduler: at most maxKeptJobs are kept, the oldest finished ones leave first, unfinished ones never', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2, maxKeptJobs: 1 });
    admit(scheduler, testJobSpec({ jobId: 'first', steps: 1 }));
    engine.runUntilIdle();
    admit(scheduler, testJobSpec({ jobId: 'slow', steps: 5 }));
    admit(scheduler, testJobSpec({ jobId: 'fast', steps: 1 }));
    admit(scheduler, testJobSpec({ jobId: 'waiting', steps: 1 }));
    engine.step();
    expect(
      ['first', 'slow', 'fast', 'waiting'].map((jobId) => scheduler.get(jobId, testOwner)?.state),
    ).toEqual([undefined, 'running', undefined, 'running']);
  });
});
