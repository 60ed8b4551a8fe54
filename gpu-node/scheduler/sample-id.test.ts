import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSampleId, sampleIdOf } from './sample-id.ts';

describe('sample ids', () => {
  it('sample id: parsing a built id gives back its serial and index', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (serial, index) => {
        expect(parseSampleId(sampleIdOf(serial, index))).toEqual({ serial, index });
      }),
    );
  });

  it('sample id: different addresses never share an id', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.nat(), (serial, index, otherSerial, otherIndex) => {
        fc.pre(serial !== otherSerial || index !== otherIndex);
        expect(sampleIdOf(serial, index)).not.toBe(sampleIdOf(otherSerial, otherIndex));
      }),
    );
  });

  it.each([
    'warmup-0',
    'raw-17',
    '',
    '#',
    '3#',
    '#3',
    '3#x',
    '-1#0',
    '1#-1',
    '1.5#2',
    '01#2',
    '1#2#3',
    ' 1#2',
    '99999999999999999999#0',
  ])('sample id: %j is not one of the scheduler’s and parses to nothing', (sampleId) => {
    expect(parseSampleId(sampleId)).toBeUndefined();
  });
});
