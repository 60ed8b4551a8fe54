import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageMegapixels, requestWork } from './work.ts';

describe('request work', () => {
  it('work: images × steps × megapixels, so a large request weighs hundreds of small ones', () => {
    expect(requestWork({ n: 1, steps: 4, size: '64x64' })).toBeCloseTo(0.016384);
    expect(requestWork({ n: 2, steps: 30, size: '512x512' })).toBeCloseTo(15.72864);
    const small = requestWork({ n: 1, steps: 4, size: '64x64' });
    const large = requestWork({ n: 10, steps: 50, size: '1024x1024' });
    expect(large / small).toBeGreaterThan(30_000);
  });

  it('work: linear in each field, and zero for a size that is not WIDTHxHEIGHT', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 8, max: 2048 }),
        (n, steps, side) => {
          const size = `${side}x${side}`;
          const one = requestWork({ n: 1, steps: 1, size });
          expect(requestWork({ n, steps, size })).toBeCloseTo(n * steps * one, 9);
          expect(one).toBeCloseTo(imageMegapixels(size));
        },
      ),
    );
    expect(requestWork({ n: 1, steps: 10, size: 'big' })).toBe(0);
  });
});
