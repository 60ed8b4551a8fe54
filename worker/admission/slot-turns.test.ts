import { describe, expect, it } from 'vitest';
import { SlotTurns } from './slot-turns.ts';

/** A waiter that waits long (the test frees or aborts it), and what it was told. */
function waiter(turns: SlotTurns, tenantId: string, tier: 'free' | 'paid' | 'enterprise', since = 0) {
  const abort = new AbortController();
  let turn: boolean | null = null;
  const done = turns
    .wait({ tenantId, tier, maxWaitMs: 60_000, since, signal: abort.signal })
    .then((given) => {
      turn = given;
    });
  return { abort: () => abort.abort(), done, told: () => turn };
}

describe('slot turns', () => {
  it('turns: a freed slot goes to the highest tier, then the tenant served least lately, then the oldest', async () => {
    let now = 1_000;
    const turns = new SlotTurns(() => now);
    turns.served('busy', 5, 'paid');
    turns.served('quiet', 1, 'paid');
    const free = waiter(turns, 'quiet', 'free', 1);
    const busy = waiter(turns, 'busy', 'paid', 2);
    const quietOld = waiter(turns, 'quiet', 'paid', 3);
    const quietNew = waiter(turns, 'quiet', 'paid', 4);
    // Each freed slot goes to the next in turn; the others keep waiting.
    const inTurn = [quietOld, quietNew, busy, free];
    for (const [position, next] of inTurn.entries()) {
      turns.freed();
      await next.done;
      expect(inTurn.map((entry) => entry.told())).toEqual(
        inTurn.map((_, at) => (at <= position ? true : null)),
      );
      now += 10;
    }
    expect([free.told(), busy.told(), quietOld.told(), quietNew.told()]).toEqual([true, true, true, true]);
    expect(turns.waiting).toBe(0);
  });

  it('turns: a waiter is told no when its time is up or its client goes, and leaves the line', async () => {
    const turns = new SlotTurns(() => 0);
    expect(await turns.wait({ tenantId: 't', tier: 'free', maxWaitMs: 5 })).toBe(false);
    expect(await turns.wait({ tenantId: 't', tier: 'free', maxWaitMs: 0 })).toBe(false);
    const gone = waiter(turns, 't', 'free');
    expect(turns.waiting).toBe(1);
    gone.abort();
    await gone.done;
    expect(gone.told()).toBe(false);
    expect(turns.waiting).toBe(0);
    // Nobody waits: a freed slot is nobody's.
    turns.freed();
  });

  it('turns: room goes first to a waiter that outranks, or a tenant refused lately and served less', async () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    turns.served('big', 10, 'paid');
    turns.served('small', 1, 'paid');
    expect(turns.outranked('big', 'paid')).toBe(false);
    const small = waiter(turns, 'small', 'paid');
    expect(turns.outranked('big', 'paid')).toBe(true);
    expect(turns.outranked('small', 'paid')).toBe(false);
    // A higher tier is never outranked by a lower one's waiter.
    expect(turns.outranked('big', 'enterprise')).toBe(false);
    small.abort();
    await small.done;
    expect(turns.outranked('big', 'paid')).toBe(false);
    turns.refused('small', 'paid');
    expect(turns.outranked('big', 'paid')).toBe(true);
    expect(turns.outranked('big', 'enterprise')).toBe(false);
    // Refusals fade in about a second; service lately in about ten.
    now += 3_000;
    expect(turns.outranked('big', 'paid')).toBe(false);
    expect(turns.servedLately('big')).toBeGreaterThan(7);
    now += 30_000;
    expect(turns.servedLately('big')).toBeLessThan(2);
  });

  it('turns: short of room while a request waits its turn or one was refused for room lately', async () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    expect(turns.shortOfRoom()).toBe(false);
    const held = waiter(turns, 'free-tenant', 'free');
    expect(turns.shortOfRoom()).toBe(true);
    held.abort();
    await held.done;
    expect(turns.shortOfRoom()).toBe(false);
    turns.refused('paid-tenant', 'paid');
    expect(turns.shortOfRoom()).toBe(true);
    // Refusals fade (half-life 1 s): a few seconds later the fleet is no longer short of room.
    now += 5_000;
    expect(turns.shortOfRoom()).toBe(false);
  });

  it('turns: while a higher tier was refused lately, a lower tier’s waiter gets no freed slot', async () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    const free = waiter(turns, 'free-tenant', 'free');
    turns.refused('paid-tenant', 'paid');
    turns.freed();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(free.told()).toBeNull();
    // Once the paid refusals have faded, the free waiter is next.
    now += 5_000;
    turns.freed();
    await free.done;
    expect(free.told()).toBe(true);
  });

  it('fair wait: a free tenant served less than its tier’s average lately has its waiting burst paced by freed slots', async () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    turns.served('steady-1', 30, 'free');
    turns.served('steady-2', 30, 'free');
    turns.served('bursty', 10, 'free');
    turns.served('paid-light', 1, 'paid');
    turns.served('paid-heavy', 30, 'paid');
    const line = [waiter(turns, 'bursty', 'free'), waiter(turns, 'steady-1', 'free')];
    // Until the isolate has seen slots free, it cannot say how long one takes.
    expect(turns.fairWaitMs('bursty', 'free')).toBe(0);
    // Nobody waiting is given the slots: a paid tenant is refused all along, so they stay for paid.
    const freeSlots = (count: number, gapMs: number) => {
      for (let slot = 0; slot < count; slot += 1) {
        turns.refused('paid-heavy', 'paid');
        turns.freed();
        now += gapMs;
      }
      turns.refused('paid-heavy', 'paid');
    };
    freeSlots(20, 30);
    expect(turns.waiting).toBe(2);
    // One of its requests waits already: the next waits one freed slot longer, then two, ... four.
    expect(turns.fairWaitMs('bursty', 'free')).toBe(30);
    line.push(waiter(turns, 'bursty', 'free'));
    expect(turns.fairWaitMs('bursty', 'free')).toBe(60);
    line.push(...[1, 2, 3, 4].map(() => waiter(turns, 'bursty', 'free')));
    expect(turns.fairWaitMs('bursty', 'free')).toBe(120);
    // Never more than a quarter of the time left before the request's deadline.
    expect(turns.fairWaitMs('bursty', 'free', 200)).toBe(50);
    // A tenant served as much as its tier's average, or with nobody waiting, is not paced.
    expect(turns.fairWaitMs('steady-1', 'free')).toBe(0);
    expect(turns.fairWaitMs('newcomer', 'free')).toBe(0);
    // Paid's promise is latency: no wait past its slack, however it was served.
    line.push(waiter(turns, 'paid-light', 'paid'));
    expect(turns.fairWaitMs('paid-light', 'paid')).toBe(0);
    // A pause in which the isolate idled is not the pace of turns.
    now += 60_000;
    freeSlots(1, 30);
    turns.served('steady-1', 30, 'free');
    turns.served('bursty', 10, 'free');
    expect(turns.fairWaitMs('bursty', 'free')).toBe(120);
    // Slots that free rarely bound the wait, not stretch it.
    freeSlots(60, 900);
    turns.served('steady-1', 300, 'free');
    expect(turns.fairWaitMs('bursty', 'free')).toBe(1_000);
    for (const entry of line) entry.abort();
    await Promise.all(line.map((entry) => entry.done));
  });

  it('turns: a tier is short of room above another only while its refusals are fresh', () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    expect(turns.higherTierShortOfRoom('free')).toBe(false);
    turns.refused('paid-1', 'paid');
    expect(turns.higherTierShortOfRoom('free')).toBe(true);
    expect(turns.higherTierShortOfRoom('paid')).toBe(false);
    expect(turns.higherTierShortOfRoom('enterprise')).toBe(false);
    // A refused free tenant is nobody's reason to hold room.
    turns.refused('free-1', 'free');
    expect(turns.higherTierShortOfRoom('free')).toBe(true);
    now = 5_000;
    expect(turns.higherTierShortOfRoom('free')).toBe(false);
  });

  it('demand ahead: the refused requests of a tier and those above it, one freed slot each at the measured pace', () => {
    let now = 0;
    const turns = new SlotTurns(() => now);
    turns.refused('paid-1', 'paid');
    // No pace measured yet: nothing to say.
    expect(turns.demandWaitMs('paid')).toBeNull();
    // Slots free every 50 ms.
    for (let slot = 0; slot < 20; slot += 1) {
      turns.freed();
      now += 50;
    }
    for (let request = 0; request < 9; request += 1) turns.refused('paid-2', 'paid');
    for (let request = 0; request < 20; request += 1) turns.refused('free-1', 'free');
    const paid = turns.demandWaitMs('paid') ?? 0;
    const free = turns.demandWaitMs('free') ?? 0;
    // Ten paid refusals (the first decayed a little over the second), one slot of 50 ms each.
    expect(paid).toBeGreaterThan(9 * 50);
    expect(paid).toBeLessThanOrEqual(10 * 50);
    // Free waits for paid's demand too.
    expect(free).toBeCloseTo(paid + 20 * 50, 6);
    expect(turns.demandWaitMs('enterprise')).toBe(0);
    // Refusals age out: a second later at most half as much demand (the faintest forgotten), five
    // seconds later none.
    now += 1_000;
    expect(turns.demandWaitMs('paid') ?? 0).toBeLessThanOrEqual(paid / 2 + 1e-9);
    expect(turns.demandWaitMs('paid') ?? 0).toBeGreaterThan(paid / 4);
    now += 5_000;
    expect(turns.demandWaitMs('free')).toBe(0);
  });
});
