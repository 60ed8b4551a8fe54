import { describe, expect, it } from 'vitest';
import { h1, type SilentFleet, silentFleetForTests, stuck } from './silent-pools.ts';

// A real pool, and a stalled one: it accepts every call and never answers (issue 4's stall).
// Stalls judged from a pool's silence rather than the clock are in stall-detection.test.ts.
const fleet = silentFleetForTests();
const dispatch: SilentFleet['dispatch'] = (overrides) => fleet().dispatch(overrides);

describe('dispatch with hedging', () => {
  it('hedging: a call that runs late gets a copy on the next pool; the copy answers and the stalled call is dropped', async () => {
    const before = fleet().stalled.calls.length;
    const startedAt = Date.now();
    const outcome = await dispatch({ hedge: { afterMs: () => 300, allow: () => true } });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'hedge_lost'],
    ]);
    // The copy is marked, so the request's log line and stats count it as hedged.
    expect(outcome.attempts.map((attempt) => attempt.hedge === true)).toEqual([true, false]);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(fleet().stalled.calls[before]?.method).toBe('POST');
    // The stalled pool is asked to cancel the job, so it stops computing for nobody.
    await expect
      .poll(() =>
        fleet()
          .stalled.calls.slice(before)
          .map((call) => call.method),
      )
      .toContain('DELETE');
  });

  it('hedging: with the hedge budget spent, the call waits for the stalled pool until the deadline', async () => {
    const outcome = await dispatch({
      hedge: { afterMs: () => 100, allow: () => false },
      deadlineAt: Date.now() + 1_500,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['stuck', 'timed_out'],
    ]);
  });

  it('hedging: a call that answers in time is never hedged', async () => {
    let asked = 0;
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: fleet().healthy.url },
        { ...stuck, url: fleet().stalled.url },
      ],
      hedge: {
        afterMs: () => 10_000,
        allow: () => {
          asked++;
          return true;
        },
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts).toHaveLength(1);
    expect(asked).toBe(0);
  });
});

describe('dispatch with hedging: where the copy goes', () => {
  // The first ranking's second pool has stalled too since: only a pick taken now knows better.
  const candidates = () => [
    { ...stuck, url: fleet().stalled.url },
    { ...stuck, poolId: 'quiet', url: fleet().stalled.url },
  ];

  it('hedging: a call late by the clock gets its copy on a fresh pick without its pool (ack.copyTo)', async () => {
    const asked: string[] = [];
    const outcome = await dispatch({
      candidates: candidates(),
      hedge: { afterMs: () => 200, allow: () => true },
      deadlineAt: Date.now() + 8_000,
      ack: {
        copyTo: (candidate) => {
          asked.push(candidate.poolId);
          return [{ ...h1, url: fleet().healthy.url }];
        },
      },
    });
    expect(asked).toEqual(['stuck']);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'hedge_lost'],
    ]);
  });

  it("hedging: with no fresh pick to offer, the copy goes to the first ranking's next pool", async () => {
    const outcome = await dispatch({
      candidates: [
        { ...stuck, url: fleet().stalled.url },
        { ...h1, url: fleet().healthy.url },
      ],
      hedge: { afterMs: () => 200, allow: () => true },
      ack: { copyTo: () => [] },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
  });

  it('hedging: a denied hedge asks for no fresh pick', async () => {
    const asked: string[] = [];
    const outcome = await dispatch({
      candidates: candidates(),
      hedge: { afterMs: () => 100, allow: () => false },
      ack: {
        copyTo: (candidate) => {
          asked.push(candidate.poolId);
          return [{ ...h1, url: fleet().healthy.url }];
        },
      },
      deadlineAt: Date.now() + 1_000,
      // Its missing acknowledgement would get a copy outside the budget (stall-detection.test.ts):
      // due after the deadline here, so only the clock hedge is judged.
      stallAfterMs: 5_000,
    });
    expect(outcome.ok).toBe(false);
    expect(asked).toEqual([]);
  });
});

describe('dispatch with hedging: the late call wins', () => {
  it('hedging: when the late call answers first, the copy is cancelled and counts as canceled, not lost', async () => {
    // The "late" call is the healthy pool with a tiny threshold; the copy goes to the stalled one.
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: fleet().healthy.url },
        { ...stuck, url: fleet().stalled.url },
      ],
      hedge: { afterMs: () => 0, allow: () => true },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'canceled'],
    ]);
  });
});
