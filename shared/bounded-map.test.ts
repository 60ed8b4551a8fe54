import { describe, expect, it } from 'vitest';
import { boundedEntry, setBounded } from './bounded-map.ts';

describe('bounded map', () => {
  it('bounded: a full map forgets its oldest entry, and storing a key again makes it the newest', () => {
    const cache = new Map<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      setBounded(cache, key, value, 3);
    setBounded(cache, 'a', 10, 3);
    setBounded(cache, 'd', 4, 3);
    expect([...cache]).toEqual([
      ['c', 3],
      ['a', 10],
      ['d', 4],
    ]);
  });

  it('bounded: an entry is created once, and a new key in a full map pushes the oldest out', () => {
    const tenants = new Map<string, { requests: number }>();
    boundedEntry(tenants, 't1', 2, () => ({ requests: 0 })).requests++;
    boundedEntry(tenants, 't1', 2, () => ({ requests: 0 })).requests++;
    boundedEntry(tenants, 't2', 2, () => ({ requests: 0 }));
    boundedEntry(tenants, 't3', 2, () => ({ requests: 0 }));
    expect([...tenants.keys()]).toEqual(['t2', 't3']);
    expect(boundedEntry(tenants, 't1', 2, () => ({ requests: 5 })).requests).toBe(5);
  });
});
