import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageSeed, SEED_RANGE } from './image-seed.ts';

describe('imageSeed', () => {
  it('image seed: image i of a request uses the first seed plus i', () => {
    expect([0, 1, 2].map((index) => imageSeed(100, index))).toEqual([100, 101, 102]);
  });

  it('image seed: wraps past the largest 32-bit seed to 0', () => {
    expect(imageSeed(SEED_RANGE - 2, 1)).toBe(SEED_RANGE - 1);
    expect(imageSeed(SEED_RANGE - 2, 2)).toBe(0);
    expect(imageSeed(SEED_RANGE - 1, 3)).toBe(2);
  });

  it('image seed: every seed stays an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SEED_RANGE - 1 }),
        fc.integer({ min: 0, max: 10 }),
        (seed, index) => {
          const derived = imageSeed(seed, index);
          expect(Number.isInteger(derived) && derived >= 0 && derived < SEED_RANGE).toBe(true);
        },
      ),
    );
  });
});
