import { describe, expect, it } from 'vitest';
import { IsolateObservations } from './local-observations.ts';

describe('isolate observations', () => {
  it('observations: in-flight counts and send times follow begin and end, each end counted once', () => {
    const observations = new IsolateObservations();
    const first = observations.begin('pool-a', 1_000);
    const second = observations.begin('pool-a', 1_500);
    expect(observations.inFlight.get('pool-a')).toBe(2);
    expect(observations.inFlightSentAt.get('pool-a')).toEqual([1_000, 1_500]);
    first();
    first();
    expect(observations.inFlight.get('pool-a')).toBe(1);
    expect(observations.inFlightSentAt.get('pool-a')).toEqual([1_500]);
    second();
    expect(observations.inFlight.has('pool-a')).toBe(false);
    expect(observations.inFlightSentAt.has('pool-a')).toBe(false);
  });

  it('observations: two requests sent in the same millisecond are both tracked', () => {
    const observations = new IsolateObservations();
    const ends = [observations.begin('pool-a', 7), observations.begin('pool-a', 7)];
    ends[0]?.();
    expect(observations.inFlightSentAt.get('pool-a')).toEqual([7]);
    ends[1]?.();
    expect(observations.inFlightSentAt.has('pool-a')).toBe(false);
  });

  it('observations: an ejected pool stays ejected for 10 s', () => {
    const observations = new IsolateObservations();
    observations.eject('pool-a', 5_000);
    expect(observations.ejectedUntil.get('pool-a')).toBe(15_000);
  });
});
