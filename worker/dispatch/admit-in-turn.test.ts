import { describe, expect, it } from 'vitest';
import { BackendCallError } from '../../backends/index.ts';
import { SlotTurns } from '../admission/slot-turns.ts';
import { admitInTurn, type TurnRequest } from './admit-in-turn.ts';
import type { Admittance } from './shedding.ts';

const refused = (maxWaitMs: number, wantsRoom = true): Admittance => ({
  admitted: false,
  verdict: {
    error: new BackendCallError({
      message: 'full',
      status: 503,
      code: 'shed',
      retryable: true,
      workStarted: false,
    }),
    maxWaitMs,
    wantsRoom,
  },
});
const room = (maxWaitMs = 50): Admittance => ({ admitted: true, ranked: [], maxWaitMs, rooms: 1 });
/** A request of `tenantId` arriving at 0 on a clock that stays at 0. */
const asked = (
  tenantId: string,
  tier: TurnRequest['tier'],
  judge: TurnRequest['judge'],
  fairWaitMs?: number,
): TurnRequest => ({
  tenantId,
  tier,
  arrivedAt: 0,
  judge,
  now: () => 0,
  ...(fairWaitMs === undefined ? {} : { fairWaitMs }),
});

describe('admission in turn', () => {
  it('turns: a request with no room waits, and is judged again when a slot is given to it', async () => {
    const turns = new SlotTurns(() => 0);
    const judged: Admittance[] = [room()];
    const outcome = admitInTurn(
      turns,
      refused(60_000),
      asked('t', 'paid', () => judged.shift() ?? refused(0)),
    );
    expect(turns.waiting).toBe(1);
    turns.freed();
    expect((await outcome).admitted).toBe(true);
  });

  it('turns: with no wait left it is refused, and its tenant counts as short of room', async () => {
    const turns = new SlotTurns(() => 0);
    turns.served('other', 5, 'free');
    const outcome = await admitInTurn(
      turns,
      refused(0),
      asked('t', 'free', () => room()),
    );
    expect(outcome.admitted).toBe(false);
    expect(turns.outranked('other', 'free')).toBe(true);
  });

  it('turns: a request no room could have served in time (its deadline) leaves its tier not short of room', async () => {
    const turns = new SlotTurns(() => 0);
    const outcome = await admitInTurn(
      turns,
      refused(0, false),
      asked('hopeless', 'enterprise', () => refused(0, false)),
    );
    expect(outcome.admitted).toBe(false);
    expect(turns.higherTierShortOfRoom('paid')).toBe(false);
    expect(turns.shortOfRoom()).toBe(false);
    // The same refusal for want of room makes enterprise short of room, and paid yields to it.
    await admitInTurn(
      turns,
      refused(0),
      asked('wanting', 'enterprise', () => refused(0)),
    );
    expect(turns.higherTierShortOfRoom('paid')).toBe(true);
  });

  it('turns: room found while a less-served tenant waits is given to it; the newcomer waits its own turn', async () => {
    const turns = new SlotTurns(() => 0);
    turns.served('heavy', 10, 'paid');
    const light = turns.wait({ tenantId: 'light', tier: 'paid', maxWaitMs: 60_000 });
    const heavy = admitInTurn(
      turns,
      room(60_000),
      asked('heavy', 'paid', () => room(60_000)),
    );
    expect(await light).toBe(true);
    expect(turns.waiting).toBe(1);
    turns.freed();
    expect((await heavy).admitted).toBe(true);
  });

  it('fair wait: a request may wait its fair turn past its slack, and the turn admits it', async () => {
    const turns = new SlotTurns(() => 0);
    const refusedAfterSlack = await admitInTurn(
      turns,
      refused(5),
      asked('bursty', 'free', () => refused(5)),
    );
    expect(refusedAfterSlack.admitted).toBe(false);
    const judged: Admittance[] = [room()];
    const outcome = admitInTurn(
      turns,
      refused(5),
      asked('bursty', 'free', () => judged.shift() ?? refused(5), 60_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(turns.waiting).toBe(1);
    turns.freed();
    expect((await outcome).admitted).toBe(true);
  });

  it('fair wait: a request with no slack (its deadline) is not kept for a fair turn', async () => {
    const turns = new SlotTurns(() => 0);
    const outcome = await admitInTurn(
      turns,
      refused(0),
      asked('bursty', 'free', () => room(), 60_000),
    );
    expect(outcome.admitted).toBe(false);
    expect(turns.waiting).toBe(0);
  });
});
