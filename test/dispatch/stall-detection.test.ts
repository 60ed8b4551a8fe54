import { describe, expect, it } from 'vitest';
import { h1, type SilentFleet, silentFleetForTests, stuck } from './silent-pools.ts';

// Stalls judged from a pool's silence rather than the hedge clock: a pool that never acknowledges
// a call (it accepts and never answers), and one that streams a few steps and goes quiet.
const quietPlan = { stepMs: 20, stepsBeforeStall: 3, steps: 30 };
const fleet = silentFleetForTests(quietPlan);
const dispatch: SilentFleet['dispatch'] = (overrides) => fleet().dispatch(overrides);

describe('dispatch with stall detection from step events', () => {
  const quietPool = { poolId: 'quiet', providerId: 'provider-quiet', url: '', protocol: 'gpu-node' };
  const streamed = (onProgress: (progress: { kind: string }) => void, quietFigures = {}) =>
    dispatch({
      candidates: [
        { ...quietPool, url: fleet().quiet.url, predictedMs: 60_000, ...quietFigures },
        { ...h1, url: fleet().healthy.url },
      ],
      // The hedge timer is far off and its budget spent: only the missing steps can move the job.
      hedge: { afterMs: () => 60_000, allow: () => false },
      onProgress,
      stallAfterMs: 300,
    });

  it('stall: a streamed call that stops reporting steps mid-job gets a copy at once, budget or not', async () => {
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 30;
    const seen: string[] = [];
    const startedAt = Date.now();
    const outcome = await streamed((progress) => seen.push(progress.kind));
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['quiet', 'stalled'],
    ]);
    // Three steps, 300 ms of silence, then the copy: far sooner than the 60 s hedge timer.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    // The stalled pool's events and the copy's both reached the caller.
    expect(seen.filter((kind) => kind === 'progress').length).toBeGreaterThanOrEqual(3);
  });

  it('stall: a streamed call its pool never acknowledges (a frozen process still accepts the connection) gets a copy at once, budget or not', async () => {
    const startedAt = Date.now();
    const due: string[] = [];
    const outcome = await dispatch({
      candidates: [
        { ...stuck, url: fleet().stalled.url, predictedMs: 60_000 },
        { ...h1, url: fleet().healthy.url },
      ],
      hedge: { afterMs: () => 60_000, allow: () => false },
      onProgress: () => undefined,
      ack: { onAcknowledgementDue: (poolId) => due.push(poolId) },
      stallAfterMs: 300,
    });
    // Each gpu-node call is owed an acknowledgement: routing counts the pool's silence from it.
    expect(due).toEqual(['stuck', 'h1']);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'stalled'],
    ]);
    // 300 ms with no acknowledgement, then the copy: far sooner than the 60 s hedge timer.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'stuck');
    expect(lost?.durationMs).toBeGreaterThanOrEqual(300);
  });

  it('stall: a clock hedge the budget refused before the acknowledgement was due leaves the unacknowledged call to be copied, budget or not', async () => {
    // The hedge clock (50 ms) fires before the acknowledgement is due (300 ms) and the budget
    // refuses the copy: a refused hedge is no copy sent, so the missing acknowledgement still moves it.
    const startedAt = Date.now();
    let asked = 0;
    const outcome = await dispatch({
      candidates: [
        { ...stuck, url: fleet().stalled.url },
        { ...h1, url: fleet().healthy.url },
      ],
      hedge: {
        afterMs: () => 50,
        allow: () => {
          asked++;
          return false;
        },
      },
      onProgress: () => undefined,
      stallAfterMs: 300,
      deadlineAt: Date.now() + 6_000,
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'stalled'],
    ]);
    // The clock asked the budget once; the stall's copy did not ask it.
    expect(asked).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'stuck');
    expect(lost?.durationMs).toBeGreaterThanOrEqual(300);
  });

  it('stall: the copy of a stalled call goes to a fresh pick (ack.copyTo)', async () => {
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 30;
    const outcome = await dispatch({
      candidates: [
        { ...quietPool, url: fleet().quiet.url, predictedMs: 60_000 },
        { ...stuck, url: fleet().stalled.url },
      ],
      hedge: { afterMs: () => 60_000, allow: () => false },
      ack: { copyTo: () => [{ ...h1, url: fleet().healthy.url }] },
      stallAfterMs: 300,
      deadlineAt: Date.now() + 8_000,
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['quiet', 'stalled'],
    ]);
  });

  it('stall: a call that keeps stepping, however slowly, is not judged stalled while it steps', async () => {
    quietPlan.stepMs = 150;
    quietPlan.stepsBeforeStall = 10;
    quietPlan.steps = 30;
    const outcome = await streamed(() => undefined);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'quiet');
    expect(lost?.outcome).toBe('stalled');
    // Ten steps 150 ms apart: no copy before the last of them (1.5 s), one after 4 intervals of quiet.
    expect(lost?.durationMs).toBeGreaterThanOrEqual(1_500);
  });

  it("stall: past its last step a call is quiet while the pool makes the image: no copy before 4 of the pool's finish times", async () => {
    // Three steps of three, then silence: the image being decoded and encoded, on a pool whose
    // finish measured 500 ms (a large image through a VAE on a CPU).
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 3;
    const outcome = await streamed(() => undefined, { finishMs: 500 });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'quiet');
    // Still a stall in the end (this pool never answers), but only after 4 x 500 ms of finishing.
    expect(lost?.outcome).toBe('stalled');
    expect(lost?.durationMs).toBeGreaterThanOrEqual(3 * 20 + 4 * 500);
  });
});
