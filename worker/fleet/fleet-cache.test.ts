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
    const now = 10_000;
    const reads = heldLoader();
    const cache = new FleetCache(reads.load, () => now);
    const first = cache.get(() => undefined);
    reads.answer(0, snapshotTakenAt(9_000));
    await first;
    // A background read started (old snapshot), then this isolate wrote and read fresh.
    const older = cache.refresh();
    const fresher = cache.refresh();
    reads.answer(2, snapshotTakenAt(9_900));
    await fresher;
    reads.answer(1, snapshotTakenAt(9_500));
    await older;
    expect(cache.current()?.taken_at).toBe(9_900);
  });
});
