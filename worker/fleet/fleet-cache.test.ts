import { describe, expect, it } from 'vitest';
import { FleetCache } from './fleet-cache.ts';
import type { FleetSnapshot } from './fleet-records.ts';

const snapshotTakenAt = (takenAt: number): FleetSnapshot => ({
  version: takenAt,
  taken_at: takenAt,
  pools: [],
});

/** A loader whose reads the test answers one by one, in any order. */
function heldLoader() {
  const pending: Array<(snapshot: FleetSnapshot) => void> = [];
  const load = () => new Promise<FleetSnapshot>((resolve) => pending.push(resolve));
  return { load, answer: (read: number, snapshot: FleetSnapshot) => pending[read]?.(snapshot) };
}

describe('FleetCache', () => {
  it('fleet cache: a read that lands after a later one does not replace the snapshot it took', async () => {
    let now = 10_000;
    const reads = heldLoader();
    const cache = new FleetCache(reads.load, () => now);
    const first = cache.get(() => undefined);
    reads.answer(0, snapshotTakenAt(9_000));
    await first;
    // A background read started (the snapshot is past its age), then this isolate wrote and read fresh.
    now = 10_500;
    const background: Promise<unknown>[] = [];
    await cache.get((promise) => background.push(promise));
    const fresher = cache.refresh();
    reads.answer(2, snapshotTakenAt(9_900));
    await fresher;
    reads.answer(1, snapshotTakenAt(9_500));
    await Promise.all(background);
    expect(cache.current()?.taken_at).toBe(9_900);
  });

  it('fleet cache: fresh reads asked for while one runs share one read that starts after it', async () => {
    const reads = heldLoader();
    let loads = 0;
    const cache = new FleetCache(() => {
      loads += 1;
      return reads.load();
    });
    const running = cache.refresh();
    const waiting = Array.from({ length: 50 }, () => cache.refresh());
    expect(loads).toBe(1);
    reads.answer(0, snapshotTakenAt(1_000));
    await running;
    // The queued read starts only once the running one is over: it sees every write made before.
    for (let tick = 0; tick < 10 && loads < 2; tick++) await Promise.resolve();
    expect(loads).toBe(2);
    reads.answer(1, snapshotTakenAt(2_000));
    const answers = await Promise.all(waiting);
    expect(new Set(answers.map((snapshot) => snapshot.taken_at))).toEqual(new Set([2_000]));
    expect(loads).toBe(2);
    // Once nothing runs, the next fresh read starts at once.
    void cache.refresh();
    expect(loads).toBe(3);
  });
});
