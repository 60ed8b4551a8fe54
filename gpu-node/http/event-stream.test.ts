import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROGRESS_EVENT_MIN_MS, ProgressPacer } from './event-stream.ts';

const step = (k: number) => ({ type: 'progress' as const, step: k, steps: 8 });

describe('progress pacing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pacing: the first step goes out at once, later ones at most every PROGRESS_EVENT_MIN_MS, the latest held one when due', () => {
    vi.useFakeTimers();
    const wake = vi.fn();
    const pacer = new ProgressPacer(wake);
    expect(pacer.mayWrite(step(1), 0)).toBe(true);
    // Quick steps inside the interval are held; a newer one replaces the older.
    expect(pacer.mayWrite(step(2), 4)).toBe(false);
    expect(pacer.mayWrite(step(3), 8)).toBe(false);
    expect(pacer.due(50)).toBeNull();
    // The stream is woken once, when the held step is due.
    vi.advanceTimersByTime(PROGRESS_EVENT_MIN_MS);
    expect(wake).toHaveBeenCalledTimes(1);
    const held = pacer.due(PROGRESS_EVENT_MIN_MS);
    expect(held).toEqual(step(3));
    expect(held && pacer.mayWrite(held, PROGRESS_EVENT_MIN_MS)).toBe(true);
    expect(pacer.due(PROGRESS_EVENT_MIN_MS + 1)).toBeNull();
    // Steps slower than the interval each go out as they come.
    expect(pacer.mayWrite(step(4), 2 * PROGRESS_EVENT_MIN_MS + 5)).toBe(true);
    expect(pacer.mayWrite(step(5), 3 * PROGRESS_EVENT_MIN_MS + 10)).toBe(true);
  });

  it('pacing: the last step goes out at once and drops the step held before it', () => {
    vi.useFakeTimers();
    const wake = vi.fn();
    const pacer = new ProgressPacer(wake);
    expect(pacer.mayWrite(step(1), 0)).toBe(true);
    expect(pacer.mayWrite(step(7), 20)).toBe(false);
    expect(pacer.mayWrite(step(8), 25)).toBe(true);
    // Nothing older follows it when the held step's time comes.
    vi.advanceTimersByTime(PROGRESS_EVENT_MIN_MS);
    expect(pacer.due(PROGRESS_EVENT_MIN_MS)).toBeNull();
  });

  it('pacing: a stream that settles drops what it held, and its timer wakes nobody', () => {
    vi.useFakeTimers();
    const wake = vi.fn();
    const pacer = new ProgressPacer(wake);
    pacer.mayWrite(step(1), 0);
    pacer.mayWrite(step(2), 10);
    pacer.stop();
    vi.advanceTimersByTime(10 * PROGRESS_EVENT_MIN_MS);
    expect(wake).not.toHaveBeenCalled();
    expect(pacer.due(10 * PROGRESS_EVENT_MIN_MS)).toBeNull();
  });
});
