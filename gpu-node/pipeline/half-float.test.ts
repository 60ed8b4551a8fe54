import { describe, expect, it } from 'vitest';
import { fromHalf, halfBits, halfValue, toHalf } from './half-float.ts';

describe('float16', () => {
  it('float16: encodes the standard reference values (IEEE 754 binary16)', () => {
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00);
    expect(halfBits(2 ** -24)).toBe(0x0001);
    expect(halfBits(2 ** -14)).toBe(0x0400);
    expect(halfBits(0.1)).toBe(0x2e66);
    expect(halfBits(1 / 3)).toBe(0x3555);
    expect(halfBits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(halfValue(halfBits(Number.NaN))).toBeNaN();
    // Ties go to even: 1 + 2^-11 lies halfway between 1 and the next half, 1 + 2^-10.
    expect(halfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(halfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('float16: every finite half survives a round trip, and float32 arrays convert both ways', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfValue(bits);
      if (!Number.isFinite(value)) continue;
      expect(halfBits(value) === bits || (value === 0 && (bits & 0x7fff) === 0)).toBe(true);
    }
    expect(Array.from(fromHalf(toHalf(Float32Array.from([0.5, -1.25, 3]))))).toEqual([0.5, -1.25, 3]);
  });
});
