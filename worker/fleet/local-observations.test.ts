import { describe, expect, it } from 'vitest';
import { ownLoad } from '../routing/pool-load.ts';
import { isStalled } from '../routing/stall.ts';
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

  it('observations: progress is tracked only while requests are in flight, and never moves back', () => {
    const observations = new IsolateObservations();
    const end = observations.begin('pool-a', 1_000);
    observations.noteProgress('pool-a', 1_000);
    expect(observations.lastProgressAt.get('pool-a')).toBe(1_000);
    observations.noteProgress('pool-a', 1_300);
    observations.noteProgress('pool-a', 1_200);
    expect(observations.lastProgressAt.get('pool-a')).toBe(1_300);
    end();
    expect(observations.lastProgressAt.has('pool-a')).toBe(false);
  });

  it('observations: a frozen pool that never acknowledged a call reads as stalled once its acknowledgement is overdue', () => {
    const observations = new IsolateObservations();
    const policy = { telemetryTtlMs: 5_000, defaultJobMs: 1_000, stallAfterMs: 400 };
    observations.noteRoundTrip('frozen', 20);
    const end = observations.begin('frozen', 1_000);
    observations.expectAcknowledgement('frozen', 1_000);
    expect(isStalled('frozen', observations, policy, 1_400)).toBe(false);
    expect(isStalled('frozen', observations, policy, 1_421)).toBe(true);
    // A second send does not move the silence on: the pool still has said nothing.
    observations.begin('frozen', 1_300);
    observations.expectAcknowledgement('frozen', 1_300);
    expect(observations.lastProgressAt.get('frozen')).toBe(1_020);
    end();
    // An acknowledging pool: its event is progress, and the silence counts from there.
    const healthy = observations.begin('healthy', 2_000);
    observations.expectAcknowledgement('healthy', 2_000);
    observations.noteProgress('healthy', 2_005);
    expect(isStalled('healthy', observations, policy, 2_300)).toBe(false);
    healthy();
  });

  it('observations: a pool may finish an image until the latest time noted, while requests are in flight', () => {
    const observations = new IsolateObservations();
    observations.noteFinishing('pool-a', 5_000);
    expect(observations.finishingUntil.has('pool-a')).toBe(false);
    const end = observations.begin('pool-a', 1_000);
    observations.noteFinishing('pool-a', 5_000);
    observations.noteFinishing('pool-a', 3_000);
    expect(observations.finishingUntil.get('pool-a')).toBe(5_000);
    end();
    expect(observations.finishingUntil.has('pool-a')).toBe(false);
  });

  it('observations: round trips fold into a per-pool moving average', () => {
    const observations = new IsolateObservations();
    observations.noteRoundTrip('pool-a', 10);
    expect(observations.networkMs.get('pool-a')).toBe(10);
    observations.noteRoundTrip('pool-a', 60);
    expect(observations.networkMs.get('pool-a')).toBeCloseTo(20);
  });

  it('observations: sends begun with a size carry their work until they end', () => {
    const observations = new IsolateObservations();
    const big = observations.begin('pool-a', 1_000, { work: 52.4, images: 4 });
    const small = observations.begin('pool-a', 1_100, { work: 0.26, images: 1 });
    expect(observations.inFlightSends.get('pool-a')).toEqual([
      { sentAt: 1_000, work: 52.4, images: 4 },
      { sentAt: 1_100, work: 0.26, images: 1 },
    ]);
    big();
    expect(observations.inFlightSends.get('pool-a')).toEqual([{ sentAt: 1_100, work: 0.26, images: 1 }]);
    small();
    expect(observations.inFlightSends.has('pool-a')).toBe(false);
  });

  it('observations: an ended send is kept a while, and leaves only the figures taken while it ran', () => {
    const observations = new IsolateObservations();
    const end = observations.begin('pool-a', 1_000, { work: 0.524, images: 1 });
    const typical = { steps: 8, imageMegapixels: 0.0655 };
    end(1_200);
    expect(observations.inFlightSends.has('pool-a')).toBe(false);
    // A figure taken at 1,100 counted it; one taken before it was sent or after it ended did not.
    expect(ownLoad('pool-a', observations, 1_100, typical).departed).toEqual({ work: 0.524, images: 1 });
    expect(ownLoad('pool-a', observations, 900, typical).departed).toEqual({ work: 0, images: 0 });
    expect(ownLoad('pool-a', observations, 1_300, typical).departed).toEqual({ work: 0, images: 0 });
    // Seconds later it is forgotten when the next send ends.
    observations.begin('pool-a', 9_000, { work: 0.26, images: 1 })(9_100);
    expect(observations.endedSends.get('pool-a')).toHaveLength(1);
  });

  it('observations: a send of unknown size leaves the figures as the typical image it counted as', () => {
    const observations = new IsolateObservations();
    const typical = { steps: 8, imageMegapixels: 0.0655 };
    observations.begin('pool-a', 1_000)(1_200);
    expect(ownLoad('pool-a', observations, 1_100, typical).departed).toEqual({ work: 8 * 0.0655, images: 1 });
    expect(ownLoad('pool-a', observations, 1_300, typical).departed).toEqual({ work: 0, images: 0 });
  });

  it('observations: progress on a pool with nothing in flight is ignored', () => {
    const observations = new IsolateObservations();
    observations.noteProgress('pool-a', 1_000);
    expect(observations.lastProgressAt.has('pool-a')).toBe(false);
  });

  it('observations: a pool’s pace starts at the expected step time and then follows its events', () => {
    const observations = new IsolateObservations();
    observations.expectPace('pool-a', 500);
    observations.expectPace('pool-a', 900);
    expect(observations.stepIntervalMs.get('pool-a')).toBe(500);
    observations.noteEventGap('pool-a', 100);
    expect(observations.stepIntervalMs.get('pool-a')).toBeCloseTo(420);
    observations.expectPace('pool-a', 2_000);
    expect(observations.stepIntervalMs.get('pool-a')).toBeCloseTo(420);
  });

  it('observations: piggybacked load keeps the pool’s work figures, null from older pools', () => {
    const observations = new IsolateObservations();
    observations.observeLoad(
      'pool-a',
      { queued: 2, running: 4, slots: 4, draining: false, queuedWork: 10, runningWork: 5 },
      7,
    );
    observations.observeLoad('pool-b', { queued: 1, running: 1, slots: 4, draining: false }, 8);
    expect(observations.piggybacked.get('pool-a')).toEqual({
      queued: 2,
      running: 4,
      queuedWork: 10,
      runningWork: 5,
      at: 7,
    });
    expect(observations.piggybacked.get('pool-b')).toEqual({
      queued: 1,
      running: 1,
      queuedWork: null,
      runningWork: null,
      at: 8,
    });
  });

  it("observations: a piggybacked figure older than the one held is dropped (a stream's headers, read at its end)", () => {
    const observations = new IsolateObservations();
    const load = { queued: 0, running: 3, slots: 4, draining: false };
    observations.observeLoad('pool-a', load, 20);
    observations.observeLoad('pool-a', { ...load, running: 4 }, 12);
    expect(observations.piggybacked.get('pool-a')).toMatchObject({ running: 3, at: 20 });
    observations.observeLoad('pool-a', { ...load, running: 0 }, 25);
    expect(observations.piggybacked.get('pool-a')).toMatchObject({ running: 0, at: 25 });
  });
});
